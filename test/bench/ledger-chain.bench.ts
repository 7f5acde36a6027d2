import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { EMPTY_STREAM, StreamHead, appendChained } from '../../src/application/ledger-integrity/chained-append';
import { verifyChains } from '../../src/application/ledger-integrity/ledger-verifier';
import { type EventToAppend } from '../../src/application/ports/event-store.port';
import { chainEvents } from '../../src/domain/ledger/event-chain';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import type { BenchRow } from './bench-table';
import { inTempDir, perSecond } from './event-store.bench';

/**
 * Issue 14's costs, each side measured in the same run (interleaved, best of
 * RUNS) so the disk's fsync speed cancels out of the ratio:
 * chained appends against plain ones through the same adapter (target: at
 * most 5 % slower), and `verifyChains` (every chain recomputed) against a
 * read of the same log, raw (better-sqlite3's .iterate() and JSON.parse) and
 * through the adapter (target: at least 50 % of a raw read's speed).
 */
const APPENDS = 10_000;
const STREAMS = 1_000;
const LOG_EVENTS = 200_000;
const RUNS = 3;

const clock = { now: () => new Date() };

function event(index: number): EventToAppend {
  return {
    id: randomUUID(),
    type: 'PaymentAttempted',
    data: {
      orderId: `order-${index % STREAMS}`,
      attempt: 1 + (index % 3),
      amountSats: 21_000 + index,
      destination: { kind: 'lightning-address', address: 'customer@walletofsatoshi.com' },
      paymentHash: 'f3b2c1d4e5a6978812345678abcdef0123456789abcdef0123456789abcdef01',
      expiresAt: '2025-03-01T12:10:00.000Z',
    },
    metadata: { correlationId: '8b0e5a46-3f8f-4a55-9d86-0c6f5ee0a7a1', causationId: null, actor: 'system', schemaVersion: 1 },
  };
}

const streamName = (index: number): string => `payout-${index % STREAMS}`;

/**
 * Chained and plain appends alternate, one by one, on the same store (each on
 * its own streams), and the time of each kind is summed: on a shared machine
 * the fsync time swings from one second to the next, and this way both kinds
 * see the same swings.
 */
function appendRates(count: number): Promise<{ chained: number; plain: number }> {
  return inTempDir(async (filename) => {
    const store = new SqliteEventStore({ filename, clock });
    const heads = new Map<string, StreamHead>();
    const spent = { chained: 0n, plain: 0n };
    for (let index = 0; index < count * 2; index += 1) {
      const chained = index % 2 === 0;
      const stream = `${chained ? 'chained' : 'plain'}-${streamName(index >> 1)}`;
      const head = heads.get(stream) ?? EMPTY_STREAM;
      const next = event(index >> 1);
      const startedAt = process.hrtime.bigint();
      if (chained) heads.set(stream, (await appendChained(store, stream, head, [next])).head);
      else heads.set(stream, { revision: (await store.append(stream, [next], head.revision)).nextRevision, hash: null });
      spent[chained ? 'chained' : 'plain'] += process.hrtime.bigint() - startedAt;
    }
    await store.close();
    return { chained: count / (Number(spent.chained) / 1e9), plain: count / (Number(spent.plain) / 1e9) };
  });
}

async function seedChainedLog(filename: string): Promise<void> {
  await new SqliteEventStore({ filename, clock }).close();
  const db = new Database(filename);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const heads = new Map<string, string>();
  const createdAt = clock.now().toISOString();
  db.transaction(() => {
    for (let index = 0; index < LOG_EVENTS; index += 1) {
      const stream = streamName(index);
      const revision = Math.floor(index / STREAMS);
      const [chained] = chainEvents(stream, heads.get(stream) ?? null, revision, [event(index)]);
      heads.set(stream, (chained.metadata.chain as { hash: string }).hash);
      insert.run(stream, revision, chained.id, chained.type, JSON.stringify(chained.data), JSON.stringify(chained.metadata), createdAt);
    }
  })();
  db.close();
}

async function verifyRate(filename: string): Promise<number> {
  const store = new SqliteEventStore({ filename, clock });
  const startedAt = process.hrtime.bigint();
  const report = await verifyChains(store);
  const rate = perSecond(report.events, startedAt);
  await store.close();
  if (report.events !== LOG_EVENTS || report.breaks.length > 0)
    throw new Error(`verify read ${report.events} events with ${report.breaks.length} breaks`);
  return rate;
}

/** The log read through the same adapter, nothing checked: what verify adds its hashing to. */
async function adapterReadRate(filename: string): Promise<number> {
  const store = new SqliteEventStore({ filename, clock });
  let count = 0;
  let checksum = 0;
  const startedAt = process.hrtime.bigint();
  for await (const read of store.readAll()) {
    checksum += (read.data.amountSats as number) + read.metadata.schemaVersion;
    count += 1;
  }
  const rate = perSecond(count, startedAt);
  await store.close();
  if (count !== LOG_EVENTS || checksum === 0) throw new Error(`adapter read ${count} events`);
  return rate;
}

function rawReadRate(filename: string): number {
  const db = new Database(filename, { readonly: true });
  const rows = db.prepare<[], { data: string; metadata: string }>(
    'SELECT position, stream, revision, id, type, data, metadata, created_at FROM events ORDER BY position',
  );
  let count = 0;
  let checksum = 0;
  const startedAt = process.hrtime.bigint();
  for (const row of rows.iterate()) {
    checksum +=
      (JSON.parse(row.data) as { amountSats: number }).amountSats + (JSON.parse(row.metadata) as { schemaVersion: number }).schemaVersion;
    count += 1;
  }
  const rate = perSecond(count, startedAt);
  db.close();
  if (count !== LOG_EVENTS || checksum === 0) throw new Error(`raw read ${count} events`);
  return rate;
}

function row(name: string, unit: string, measured: number[], baseline: number[]): BenchRow {
  const value = Math.max(...measured);
  const base = Math.max(...baseline);
  return { name, value, unit, baseline: base, ratio: value / base };
}

export async function benchLedgerChain(): Promise<BenchRow[]> {
  await appendRates(500);
  const chained: number[] = [];
  const plain: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const rates = await appendRates(APPENDS);
    chained.push(rates.chained);
    plain.push(rates.plain);
  }
  const read = await inTempDir(async (filename) => {
    await seedChainedLog(filename);
    const rates = { verify: [] as number[], raw: [] as number[], adapter: [] as number[] };
    for (let run = 0; run < RUNS; run += 1) {
      rates.raw.push(rawReadRate(filename));
      rates.adapter.push(await adapterReadRate(filename));
      rates.verify.push(await verifyRate(filename));
    }
    return rates;
  });
  return [
    row(`chained append, 1 event/tx, ${STREAMS} streams (unchained adapter append = baseline)`, 'appends/s', chained, plain),
    row(`verify chains of ${LOG_EVENTS} events (raw .iterate() + JSON.parse = baseline)`, 'events/s', read.verify, read.raw),
    row(`verify chains of ${LOG_EVENTS} events (adapter readAll, nothing checked = baseline)`, 'events/s', read.verify, read.adapter),
  ];
}
