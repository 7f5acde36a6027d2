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

/**
 * `ours`: the adapter, raw pg and the advisory-lock remedy, measured in
 * turns in one process so the machine's load (shared with other work) falls
 * on all three alike; `emmett` alone in another.
 */
export interface BenchJob {
  group: 'ours' | 'emmett';
  /** One empty database per contender of the group. */
  urls: Partial<Record<Contender, string>>;
  appends: number;
  rounds: number;
  inFlight: number;
  /** Events seeded (streams of EVENTS_PER_STREAM) before timing the reads. */
  seedEvents: number;
  readStreams: number;
}

export interface BenchFigures {
  appendsPerSecond: number;
  /** Events one readAll returned: every contender must read the same log. */
  readAllEvents: number;
  readAllPerSecond: number;
  readStreamPerSecond: number;
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

/** Seconds taken by `appends` single-event appends, `inFlight` at a time. */
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
  return Number(process.hrtime.bigint() - startedAt) / 1e9;
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

function perSecond(count: number, startedAt: bigint): number {
  return count / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as BenchJob;
  const url = (contender: Contender) => job.urls[contender]!;
  const contenders = new Map<Contender, { writer: Writer; reader: Reader }>();
  if (job.group === 'emmett') {
    const store = await emmett(url('emmett'), job.inFlight);
    contenders.set('emmett', { writer: store, reader: store });
  } else {
    const store = adapter(url('adapter'), job.inFlight);
    contenders.set('adapter', { writer: store, reader: store });
    // The raw readers read what the adapter seeded.
    contenders.set('raw', { writer: sqlWriter(url('raw'), job.inFlight, APPEND_SQL), reader: sqlReader(url('adapter'), false) });
    contenders.set('advisory-lock', {
      writer: sqlWriter(url('advisory-lock'), job.inFlight, ADVISORY_LOCK_APPEND_SQL),
      reader: sqlReader(url('adapter'), true),
    });
  }
  const seconds = new Map<Contender, number>();
  // Warm-up: connections open, plans cached, JIT-compiled.
  for (const { writer } of contenders.values()) await timeAppends(writer, 'warm-up', 500, job.inFlight);
  for (let round = 0; round < job.rounds; round += 1) {
    for (const [name, { writer }] of contenders) {
      seconds.set(name, (seconds.get(name) ?? 0) + (await timeAppends(writer, `round-${round}`, job.appends / job.rounds, job.inFlight)));
    }
  }
  const [seeder, { writer: seedWriter }] = [...contenders][0];
  await seed(seedWriter, job.seedEvents);
  // Every contender reads a settled table: hint bits set, statistics fresh.
  const vacuum = pgPool(url(seeder), 1);
  await vacuum.query('VACUUM (ANALYZE)');
  await vacuum.end();
  const figures: Partial<Record<Contender, BenchFigures>> = {};
  for (let pass = 0; pass < READ_PASSES; pass += 1) {
    for (const [name, { reader }] of contenders) {
      let startedAt = process.hrtime.bigint();
      const readAllEvents = await reader.readAll();
      const readAll = perSecond(readAllEvents, startedAt);
      startedAt = process.hrtime.bigint();
      let read = 0;
      for (let stream = 0; stream < job.readStreams; stream += 1) read += await reader.readStream(`seed-${stream}`);
      const readStream = perSecond(read, startedAt);
      // Best pass: reads are CPU-bound, the best is the one least disturbed by other work on the machine.
      const best = figures[name];
      figures[name] = {
        appendsPerSecond: job.appends / seconds.get(name)!,
        readAllEvents,
        readAllPerSecond: Math.max(best?.readAllPerSecond ?? 0, readAll),
        readStreamPerSecond: Math.max(best?.readStreamPerSecond ?? 0, readStream),
      };
    }
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const closing = new Set<Writer | Reader>();
  for (const { writer, reader } of contenders.values()) closing.add(writer).add(reader);
  for (const closable of closing) await closable.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
