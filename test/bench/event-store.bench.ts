import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NO_STREAM, type EventMetadata, type EventToAppend } from '../../src/application/ports/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import type { BenchRow } from './bench-table';

/**
 * SqliteEventStore against hand-written better-sqlite3 doing the same work
 * on the same schema and pragmas, measured in the same run so the disk's
 * fsync speed (which dominates appends) cancels out of the ratio.
 * Targets: appends >= 80% of raw, replay >= 50% of raw.
 */
const APPENDS = 20_000;
const STREAMS = 1_000;
const REPLAY_EVENTS = 200_000;
const WARM_UP_APPENDS = 1_000;
const RUNS = 3;

const clock = { now: () => new Date() };

function payload(index: number): Record<string, unknown> {
  return {
    orderId: `order-${index % STREAMS}`,
    attempt: 1 + (index % 3),
    amountSats: 21_000 + index,
    amountCents: 12_345,
    destination: { kind: 'lightning-address', address: 'customer@walletofsatoshi.com' },
    paymentHash: 'f3b2c1d4e5a6978812345678abcdef0123456789abcdef0123456789abcdef01',
    expiresAt: '2025-03-01T12:10:00.000Z',
  };
}

function metadata(index: number): EventMetadata {
  return {
    correlationId: '8b0e5a46-3f8f-4a55-9d86-0c6f5ee0a7a1',
    causationId: index === 0 ? null : '1f4a8c3e-94c2-4c6e-8a3c-5d1b0b7e2f90',
    actor: 'system',
    schemaVersion: 1,
  };
}

function event(index: number): EventToAppend {
  return { id: randomUUID(), type: 'PaymentAttempted', data: payload(index), metadata: metadata(index) };
}

function streamName(index: number): string {
  return `payout-${index % STREAMS}`;
}

export async function inTempDir<T>(work: (filename: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-bench-'));
  try {
    return await work(join(dir, 'events.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function perSecond(count: number, startedAt: bigint): number {
  return count / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

/** The raw side gets exactly the adapter's table, indexes and pragmas. */
async function openRaw(filename: string): Promise<Database.Database> {
  await new SqliteEventStore({ filename, clock }).close();
  const db = new Database(filename);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

function adapterAppends(count: number): Promise<number> {
  return inTempDir(async (filename) => {
    const store = new SqliteEventStore({ filename, clock });
    const revisions = new Map<string, number>();
    const startedAt = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) {
      const stream = streamName(index);
      const result = await store.append(stream, [event(index)], revisions.get(stream) ?? NO_STREAM);
      revisions.set(stream, result.nextRevision);
    }
    const rate = perSecond(count, startedAt);
    await store.close();
    return rate;
  });
}

function rawAppends(count: number): Promise<number> {
  return inTempDir(async (filename) => {
    const db = await openRaw(filename);
    const currentRevision = db.prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream = ?').pluck();
    const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const append = db.transaction((stream: string, expected: number, appended: EventToAppend) => {
      const current = currentRevision.get(stream) ?? -1;
      if (current !== expected) {
        throw new Error(`conflict on ${stream}`);
      }
      const { lastInsertRowid } = insert.run(
        stream,
        current + 1,
        appended.id,
        appended.type,
        JSON.stringify(appended.data),
        JSON.stringify(appended.metadata),
        clock.now().toISOString(),
      );
      return lastInsertRowid;
    });
    const revisions = new Map<string, number>();
    const startedAt = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) {
      const stream = streamName(index);
      const expected = revisions.get(stream) ?? -1;
      append.immediate(stream, expected, event(index));
      revisions.set(stream, expected + 1);
    }
    const rate = perSecond(count, startedAt);
    db.close();
    return rate;
  });
}

async function seedReplayFile(filename: string): Promise<void> {
  const db = await openRaw(filename);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const createdAt = clock.now().toISOString();
  db.transaction(() => {
    for (let index = 0; index < REPLAY_EVENTS; index += 1) {
      const seeded = event(index);
      insert.run(
        streamName(index),
        Math.floor(index / STREAMS),
        seeded.id,
        seeded.type,
        JSON.stringify(seeded.data),
        JSON.stringify(seeded.metadata),
        createdAt,
      );
    }
  })();
  db.close();
}

async function adapterReplay(filename: string): Promise<number> {
  const store = new SqliteEventStore({ filename, clock });
  let checksum = 0;
  let count = 0;
  const startedAt = process.hrtime.bigint();
  for await (const replayed of store.readAll()) {
    checksum += (replayed.data.amountSats as number) + replayed.metadata.schemaVersion;
    count += 1;
  }
  const rate = perSecond(count, startedAt);
  await store.close();
  assertReplayed(count, checksum);
  return rate;
}

async function rawReplay(filename: string): Promise<number> {
  const db = await openRaw(filename);
  const rows = db.prepare<
    [],
    { position: number; stream: string; revision: number; id: string; type: string; data: string; metadata: string; created_at: string }
  >('SELECT position, stream, revision, id, type, data, metadata, created_at FROM events ORDER BY position');
  let checksum = 0;
  let count = 0;
  const startedAt = process.hrtime.bigint();
  for (const row of rows.iterate()) {
    const data = JSON.parse(row.data) as { amountSats: number };
    const meta = JSON.parse(row.metadata) as EventMetadata;
    checksum += data.amountSats + meta.schemaVersion;
    count += 1;
  }
  const rate = perSecond(count, startedAt);
  db.close();
  assertReplayed(count, checksum);
  return rate;
}

/** Both sides must really have read and parsed every event. */
function assertReplayed(count: number, checksum: number): void {
  const expected = Array.from({ length: REPLAY_EVENTS }, (_, index) => 21_000 + index + 1).reduce((a, b) => a + b, 0);
  if (count !== REPLAY_EVENTS || checksum !== expected) {
    throw new Error(`replay read ${count} events (checksum ${checksum}), expected ${REPLAY_EVENTS} (${expected})`);
  }
}

function row(name: string, unit: string, adapter: number[], raw: number[]): BenchRow {
  const value = Math.max(...adapter);
  const baseline = Math.max(...raw);
  return { name, value, unit, baseline, ratio: value / baseline };
}

export async function benchEventStore(): Promise<BenchRow[]> {
  await adapterAppends(WARM_UP_APPENDS);
  await rawAppends(WARM_UP_APPENDS);
  const appends = { adapter: [] as number[], raw: [] as number[] };
  // Interleaved so a slow patch of the disk hurts both sides alike.
  for (let run = 0; run < RUNS; run += 1) {
    appends.adapter.push(await adapterAppends(APPENDS));
    appends.raw.push(await rawAppends(APPENDS));
  }

  const replay = await inTempDir(async (filename) => {
    await seedReplayFile(filename);
    await adapterReplay(filename);
    await rawReplay(filename);
    const rates = { adapter: [] as number[], raw: [] as number[] };
    for (let run = 0; run < RUNS; run += 1) {
      rates.adapter.push(await adapterReplay(filename));
      rates.raw.push(await rawReplay(filename));
    }
    return rates;
  });

  return [
    row(`sqlite append, 1 event/tx, ${STREAMS} streams (raw better-sqlite3 = baseline)`, 'appends/s', appends.adapter, appends.raw),
    row(`sqlite replay readAll of ${REPLAY_EVENTS} events (raw .iterate() = baseline)`, 'events/s', replay.adapter, replay.raw),
  ];
}
