/**
 * One contender of the postgres-store bench, in a process of its own: Emmett's
 * driver replaces pg's global type parsers when it opens a pool, which must
 * not leak into the other contenders. Reads one JSON job from argv, prints
 * one JSON line of figures.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { NO_STREAM, type EventMetadata, type EventToAppend, type ExpectedRevision } from '../../src/application/ports/event-store.port';
import { APPEND_SQL, PostgresEventStore, READ_ALL_SQL, appendParameters } from '../../src/infrastructure/event-store/postgres-event-store';

export type Contender = 'adapter' | 'raw' | 'advisory-lock' | 'emmett';

export interface BenchJob {
  contender: Contender;
  /** Appends go to this (empty) database. */
  appendUrl: string;
  appends: number;
  inFlight: number;
  /** Seed this many events (batches of EVENTS_PER_STREAM) into appendUrl, then time the reads. */
  seedEvents: number;
  /** Reads are timed on this database (raw and advisory-lock read what the adapter seeded). */
  readUrl: string | null;
  readStreams: number;
}

export interface BenchFigures {
  appendsPerSecond: number;
  readAllPerSecond: number | null;
  readStreamPerSecond: number | null;
}

const EVENTS_PER_STREAM = 50;
const PAGE = 1_000;
const READ_PASSES = 3;
const clock = { now: () => new Date() };

/**
 * Advisory-lock remedy: every append waits for the previous one to commit, so
 * identities are handed out in commit order and a follower may read by
 * identity alone (see the adapter's comment).
 */
const ADVISORY_LOCK_APPEND_SQL = APPEND_SQL.replace(
  'WITH head AS',
  'WITH serialised AS (SELECT pg_advisory_xact_lock(7451983120002)), head AS',
).replace('FROM head,', 'FROM serialised, head,');
const READ_BY_IDENTITY_SQL = `SELECT transaction_id::text AS transaction_id, position, stream, revision, id, type, data, metadata, created_at
  FROM events WHERE position > $1::bigint ORDER BY position LIMIT $2`;

function event(index: number): EventToAppend {
  const metadata: EventMetadata = { correlationId: randomUUID(), causationId: null, actor: 'system', schemaVersion: 1 };
  return {
    id: randomUUID(),
    type: 'PaymentAttempted',
    data: {
      orderId: `order-${index}`,
      attempt: 1 + (index % 3),
      amountSats: 21_000 + index,
      destination: { kind: 'lightning-address', address: 'customer@walletofsatoshi.com' },
      paymentHash: 'f3b2c1d4e5a6978812345678abcdef0123456789abcdef0123456789abcdef01',
    },
    metadata,
  };
}

interface Writer {
  /** Appends events to a stream holding `count` events so far. */
  append(stream: string, events: EventToAppend[], count: number): Promise<void>;
  close(): Promise<void>;
}

interface Reader {
  /** Reads the whole global log; returns the number of events. */
  readAll(): Promise<number>;
  readStream(stream: string): Promise<number>;
  close(): Promise<void>;
}

function expected(count: number): ExpectedRevision {
  return count === 0 ? NO_STREAM : count - 1;
}

function pgPool(url: string, size: number): Pool {
  return new Pool({ connectionString: url, max: size });
}

function sqlWriter(url: string, size: number, sql: string): Writer {
  const pool = pgPool(url, size);
  return {
    append: async (stream, events, count) => {
      const { rowCount } = await pool.query(sql, appendParameters(stream, events, expected(count), clock));
      if (rowCount !== events.length) throw new Error(`append to ${stream} wrote ${rowCount} rows`);
    },
    close: () => pool.end(),
  };
}

function sqlReader(url: string, byIdentity: boolean): Reader {
  const pool = pgPool(url, 2);
  return {
    readAll: async () => {
      let count = 0;
      let after = ['0', '0'];
      for (;;) {
        const { rows } = byIdentity
          ? await pool.query<{ transaction_id: string; position: string }>(READ_BY_IDENTITY_SQL, [after[1], PAGE])
          : await pool.query<{ transaction_id: string; position: string }>(READ_ALL_SQL, [...after, PAGE]);
        count += rows.length;
        if (rows.length < PAGE) return count;
        const last = rows[rows.length - 1];
        after = [last.transaction_id, last.position];
      }
    },
    readStream: async (stream) =>
      (await pool.query('SELECT * FROM events WHERE stream = $1 AND revision >= $2::bigint ORDER BY revision LIMIT $3', [stream, 0, PAGE]))
        .rowCount ?? 0,
    close: () => pool.end(),
  };
}

function adapter(url: string, size: number): Writer & Reader {
  const pool = pgPool(url, size);
  const store = new PostgresEventStore({ pool, url, clock });
  return {
    append: async (stream, events, count) => void (await store.append(stream, events, expected(count))),
    readAll: async () => {
      let count = 0;
      for await (const _ of store.readAll()) count += 1;
      return count;
    },
    readStream: async (stream) => {
      let count = 0;
      for await (const _ of store.readStream(stream)) count += 1;
      return count;
    },
    close: () => store.close().then(() => pool.end()),
  };
}

async function emmett(url: string, size: number): Promise<Writer & Reader> {
  const { getPostgreSQLEventStore, readMessagesBatch } = await import('@event-driven-io/emmett-postgresql');
  const { dumbo } = await import('@event-driven-io/dumbo');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const pool = pgPool(url, size);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pooled: true, pool } });
  await store.schema.migrate();
  const executor = dumbo({ connectionString: url, max: 2 });
  return {
    append: async (stream, events, count) => {
      await store.appendToStream(
        stream,
        events.map(({ type, data, metadata }) => ({ type, data, metadata })),
        { expectedStreamVersion: count === 0 ? STREAM_DOES_NOT_EXIST : BigInt(count) },
      );
    },
    readAll: async () => {
      let count = 0;
      let after = 0n;
      for (;;) {
        const batch = await readMessagesBatch(executor.execute, { after, batchSize: PAGE });
        count += batch.messages.length;
        if (!batch.areMessagesLeft || batch.messages.length === 0) return count;
        after = batch.currentGlobalPosition;
      }
    },
    readStream: async (stream) => (await store.readStream(stream)).events.length,
    close: async () => {
      await executor.close();
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

async function timeAppends(writer: Writer, prefix: string, appends: number, inFlight: number): Promise<number> {
  const streamsPerWorker = 50;
  let next = 0;
  const startedAt = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      // Each worker owns its streams: no conflicts, every append a real write.
      const counts = new Array<number>(streamsPerWorker).fill(0);
      for (let index = next++; index < appends; index = next++) {
        const slot = index % streamsPerWorker;
        await writer.append(`${prefix}-${worker}-${slot}`, [event(index)], counts[slot]);
        counts[slot] += 1;
      }
    }),
  );
  return appends / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

async function seed(writer: Writer, events: number): Promise<void> {
  const streams = Math.ceil(events / EVENTS_PER_STREAM);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let stream = next++; stream < streams; stream = next++) {
        await writer.append(
          `seed-${stream}`,
          Array.from({ length: EVENTS_PER_STREAM }, (_, index) => event(index)),
          0,
        );
      }
    }),
  );
}

/** Best of READ_PASSES: reads are CPU-bound, the best pass is the least disturbed by the other engineers' work. */
async function timeReads(reader: Reader, streams: number): Promise<{ readAll: number; readStream: number }> {
  let readAll = 0;
  let readStream = 0;
  for (let pass = 0; pass < READ_PASSES; pass += 1) {
    let startedAt = process.hrtime.bigint();
    const total = await reader.readAll();
    readAll = Math.max(readAll, total / (Number(process.hrtime.bigint() - startedAt) / 1e9));
    startedAt = process.hrtime.bigint();
    let read = 0;
    for (let stream = 0; stream < streams; stream += 1) read += await reader.readStream(`seed-${stream}`);
    readStream = Math.max(readStream, read / (Number(process.hrtime.bigint() - startedAt) / 1e9));
  }
  return { readAll, readStream };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as BenchJob;
  const size = job.inFlight;
  let writer: Writer;
  let reader: Reader | null = null;
  switch (job.contender) {
    case 'adapter':
      writer = reader = adapter(job.appendUrl, size);
      break;
    case 'emmett':
      writer = reader = await emmett(job.appendUrl, size);
      break;
    case 'raw':
      writer = sqlWriter(job.appendUrl, size, APPEND_SQL);
      reader = job.readUrl === null ? null : sqlReader(job.readUrl, false);
      break;
    case 'advisory-lock':
      writer = sqlWriter(job.appendUrl, size, ADVISORY_LOCK_APPEND_SQL);
      reader = job.readUrl === null ? null : sqlReader(job.readUrl, true);
      break;
  }
  // Warm-up: connections open, plans cached, JIT-compiled.
  await timeAppends(writer, 'warm-up', Math.min(500, job.appends), job.inFlight);
  const appendsPerSecond = await timeAppends(writer, 'bench', job.appends, job.inFlight);
  if (job.seedEvents > 0) await seed(writer, job.seedEvents);
  const reads = reader === null ? null : await timeReads(reader, job.readStreams);
  process.stdout.write(
    `${JSON.stringify({ appendsPerSecond, readAllPerSecond: reads?.readAll ?? null, readStreamPerSecond: reads?.readStream ?? null })}\n`,
  );
  await writer.close();
  if (reader !== null && reader !== (writer as unknown)) await reader.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
