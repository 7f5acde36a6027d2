import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import {
  EVENT_STORE,
  NO_STREAM,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ReadStreamOptions,
} from '../../src/application/ports/event-store.port';
import type { SweepSummary } from '../../src/application/ports/payout-metrics.port';
import { schemaVersionOf } from '../../src/domain/events/event-catalogue';
import { payoutStreamName } from '../../src/domain/streams/stream-names';
import { createApp } from '../../src/infrastructure/bootstrap/create-app';
import { loadConfig } from '../../src/infrastructure/config/load-config';
import { SQLITE_EVENTS_FILE } from '../../src/infrastructure/event-store/event-store.module';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { startSandbox, type Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import type { BenchRow } from './bench-table';
import { httpClient, positiveInt, type HttpClient } from './payout-throughput.bench';

/**
 * One fallback sweep costs what the fallback view holds, not what history
 * holds. Two runs, each on a fresh data dir with the real app in this
 * process (createApp, sandbox wallet over HTTP on 127.0.0.1):
 *
 *   SETTLED_SMALL (10k) settled orders + QUEUED (1k) queued   -> baseline
 *   SETTLED_LARGE (100k) settled orders + QUEUED (1k) queued
 *
 * Settled history is seeded through the real SqliteEventStore API (append,
 * one stream per order: PixConfirmed, DestinationSubmitted, PaymentAttempted,
 * PaymentSettled, with the data the live flow writes), then the app starts and
 * its projection runner catches up from position 0. The queued orders go
 * through the real flow: POST /v1/payouts with a minted BOLT11 while the
 * sandbox wallet answers a Cloudflare 520 page after paying
 * (PAYMENT_RETRY_ATTEMPTS=1), so each ends RETRY_QUEUED with an unknown
 * outcome in the fallback view. Then one POST /v1/admin/fallback/sweep
 * resolves them all by status check (queue + sweep twice per data set, the
 * faster sweep reported). During each sweep the store's
 * readStream is wrapped to count calls, distinct streams and events read.
 *
 * Env: BENCH_SWEEP_SETTLED (100000), BENCH_SWEEP_BASELINE (10000), BENCH_SWEEP_QUEUED (1000).
 */
const SETTLED_LARGE = positiveInt(process.env.BENCH_SWEEP_SETTLED, 100_000);
const SETTLED_SMALL = positiveInt(process.env.BENCH_SWEEP_BASELINE, 10_000);
const QUEUED = positiveInt(process.env.BENCH_SWEEP_QUEUED, 1_000);
const AMOUNT_SATS = 1_000;
const SEED_GROUP = 1_000;
/** Queue-then-sweep rounds per data set; the fastest sweep is reported (the machine may be shared). */
const ROUNDS = 2;
const KEYS = { bot: 'bench-bot-key-0123456789abcdefgh', admin: 'bench-admin-key-0123456789abcdefgh' };

const log = (line: string) => process.stderr.write(`[sweep-cost] ${line}\n`);

interface SweepRun {
  settled: number;
  seedSeconds: number;
  catchUpEventsPerSecond: number;
  summary: SweepSummary;
  sweepMs: number;
  readStreamCalls: number;
  distinctStreams: number;
  eventsRead: number;
}

/** The events a settled BOLT11 payout leaves in its stream, with the data the live flow writes. */
function settledHistory(index: number, bolt11: string, at: Date): EventToAppend[] {
  const orderId = `hist-${index}`;
  const paymentHash = randomBytes(32).toString('hex');
  const t = (ms: number) => new Date(at.getTime() + ms).toISOString();
  const metadata = (actor: 'bot' | 'system', correlationId: string): EventMetadata => ({
    correlationId,
    causationId: null,
    actor,
    schemaVersion: schemaVersionOf('PixConfirmed'),
  });
  const bot = randomUUID();
  const system = randomUUID();
  const invoice = { bolt11, paymentHash, amountMsat: AMOUNT_SATS * 1000, expiresAt: t(3_600_000) };
  return [
    {
      id: randomUUID(),
      type: 'PixConfirmed',
      data: {
        orderId,
        endToEndId: `E${String(index).padStart(31, '0')}`,
        amountCents: 5_000,
        amountSats: AMOUNT_SATS,
        paidAt: t(-60_000),
        confirmedAt: t(0),
      },
      metadata: metadata('bot', bot),
    },
    {
      id: randomUUID(),
      type: 'DestinationSubmitted',
      data: { destination: bolt11, kind: 'bolt11', invoice, submittedAt: t(0) },
      metadata: metadata('bot', bot),
    },
    {
      id: randomUUID(),
      type: 'PaymentAttempted',
      data: { attempt: 1, paymentHash, bolt11, amountMsat: AMOUNT_SATS * 1000, attemptedAt: t(5) },
      metadata: metadata('system', system),
    },
    {
      id: randomUUID(),
      type: 'PaymentSettled',
      data: { paymentHash, preimage: randomBytes(32).toString('hex'), feeMsat: 1_000, settledAt: t(60) },
      metadata: metadata('system', system),
    },
  ];
}

/** Appends `count` settled orders through the real store API, SEED_GROUP appends in flight (group commits). */
async function seedSettled(filename: string, count: number): Promise<void> {
  const store = new SqliteEventStore({ filename, clock: { now: () => new Date() } });
  try {
    // Realistic invoices cost a secp256k1 signature each; history only needs their shape, so a few are reused.
    const invoices = Array.from({ length: 16 }, () => mintInvoice({ network: 'regtest', amountMsat: AMOUNT_SATS * 1000 }).bolt11);
    const start = Date.now() - 30 * 24 * 3_600_000;
    for (let first = 0; first < count; first += SEED_GROUP) {
      const appends: Promise<unknown>[] = [];
      for (let index = first; index < Math.min(count, first + SEED_GROUP); index++) {
        appends.push(
          store.append(
            payoutStreamName(`hist-${index}`),
            settledHistory(index, invoices[index % invoices.length], new Date(start + index * 1_000)),
            NO_STREAM,
          ),
        );
      }
      await Promise.all(appends);
    }
  } finally {
    await store.close();
  }
}

async function sweepRun(settled: number): Promise<SweepRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-bench-'));
  let sandbox: Sandbox | null = null;
  let app: INestApplication | null = null;
  let client: HttpClient | null = null;
  try {
    let t0 = Date.now();
    await seedSettled(join(dir, SQLITE_EVENTS_FILE), settled);
    const seedSeconds = (Date.now() - t0) / 1000;

    sandbox = await startSandbox({ network: 'regtest' });
    sandbox.lnbits.setBalance(Number.MAX_SAFE_INTEGER);
    const config = loadConfig({
      DATA_DIR: dir,
      VOLTZ_URL: sandbox.lnbitsUrl,
      VOLTZ_ADMIN_KEY: sandbox.adminKey,
      LIGHTNING_NETWORK: 'regtest',
      BOT_API_KEYS: KEYS.bot,
      ADMIN_API_KEYS: KEYS.admin,
      // One in-process try: a Cloudflare page sends the order straight to the fallback view, due at once.
      PAYMENT_RETRY_ATTEMPTS: '1',
      PAYMENT_RETRY_BASE_MS: '0',
      // Only the sweep under test runs.
      FALLBACK_CRON: '0 0 1 1 *',
      // The queued orders come from Cloudflare pages on purpose: the circuit breaker must not hold them back from the sweep.
      VOLTZ_BREAKER_THRESHOLD: String(10 * QUEUED),
    });
    t0 = Date.now();
    app = await createApp({ config, logger: false });
    await app.listen(0, '127.0.0.1');
    const store = app.get<EventStore>(EVENT_STORE);
    const runner = app.get(ProjectionRunner);
    const head = await store.headPosition();
    if (head !== null) await runner.waitFor(head);
    const catchUpEventsPerSecond = (settled * 4) / ((Date.now() - t0) / 1000);
    log(
      `${settled} settled orders seeded in ${seedSeconds.toFixed(1)} s; app up and projections caught up at ` +
        `${Math.round(catchUpEventsPerSecond)} events/s`,
    );

    const { port } = app.getHttpServer().address() as AddressInfo;
    client = httpClient(`http://127.0.0.1:${port}`, 32);
    let best: Omit<SweepRun, 'settled' | 'seedSeconds' | 'catchUpEventsPerSecond'> | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      await queueUnknownOutcomes(app, sandbox, client, `r${round}`);
      const swept = await sweepCounted(store, client);
      log(
        `sweep ${round + 1}/${ROUNDS} over ${settled} settled + ${QUEUED} queued: ${swept.sweepMs.toFixed(0)} ms, ` +
          `${JSON.stringify(swept.summary)}, readStream calls ${swept.readStreamCalls} over ` +
          `${swept.distinctStreams} streams, ${swept.eventsRead} events read`,
      );
      if (swept.summary.settled !== QUEUED) throw new Error(`the sweep settled ${swept.summary.settled} of ${QUEUED} queued orders`);
      if (best === null || swept.sweepMs < best.sweepMs) best = swept;
    }
    return { settled, seedSeconds, catchUpEventsPerSecond, ...best! };
  } finally {
    client?.close();
    await app?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * QUEUED orders through the real flow, each paid by the wallet behind a
 * Cloudflare 520 page: with one in-process try each ends RETRY_QUEUED, its
 * outcome unknown, due at once. Resolves once the fallback view holds them.
 */
async function queueUnknownOutcomes(app: INestApplication, sandbox: Sandbox, client: HttpClient, tag: string): Promise<void> {
  const store = app.get<EventStore>(EVENT_STORE);
  const runner = app.get(ProjectionRunner);
  sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true }, times: QUEUED });
  let queued = 0;
  const allQueued = new Promise<void>((resolve) => {
    void store.headPosition().then((head) => {
      const subscription = store.subscribe({ after: head }, (event) => {
        if (event.type === 'RetryQueued' && event.stream.startsWith(payoutStreamName(`queued-${tag}-`)) && ++queued === QUEUED) {
          void subscription.close();
          resolve();
        }
      });
    });
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < QUEUED) {
        const index = next++;
        const response = await client.request(
          'POST',
          '/v1/payouts',
          {
            orderId: `queued-${tag}-${index}`,
            pix: {
              endToEndId: `E9${tag}${String(index).padStart(30 - tag.length, '0')}`,
              amountCents: 5_000,
              paidAt: '2025-07-09T12:00:00Z',
            },
            amountSats: AMOUNT_SATS,
            destination: mintInvoice({ network: 'regtest', amountMsat: AMOUNT_SATS * 1000 }).bolt11,
          },
          KEYS.bot,
        );
        if (response.status !== 201) throw new Error(`POST /v1/payouts answered ${response.status}: ${response.body}`);
      }
    }),
  );
  await allQueued;
  await runner.waitFor((await store.headPosition())!);
  const view = JSON.parse((await client.request('GET', '/v1/admin/fallback-queue', undefined, KEYS.admin)).body) as { items: unknown[] };
  if (view.items.length !== QUEUED) throw new Error(`the fallback view holds ${view.items.length} orders, expected ${QUEUED}`);
}

/** One POST /v1/admin/fallback/sweep with the store's readStream counted. */
async function sweepCounted(
  store: EventStore,
  client: HttpClient,
): Promise<Omit<SweepRun, 'settled' | 'seedSeconds' | 'catchUpEventsPerSecond'>> {
  const counted = { calls: 0, events: 0, streams: new Set<string>() };
  const readStream = store.readStream.bind(store);
  store.readStream = (stream: string, options?: ReadStreamOptions) => {
    counted.calls += 1;
    counted.streams.add(stream);
    const inner = readStream(stream, options);
    return (async function* () {
      for await (const event of inner) {
        counted.events += 1;
        yield event;
      }
    })();
  };
  try {
    const startedAt = process.hrtime.bigint();
    const response = await client.request('POST', '/v1/admin/fallback/sweep', undefined, KEYS.admin);
    const sweepMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    if (response.status !== 200) throw new Error(`sweep answered ${response.status}: ${response.body}`);
    return {
      summary: JSON.parse(response.body) as SweepSummary,
      sweepMs,
      readStreamCalls: counted.calls,
      distinctStreams: counted.streams.size,
      eventsRead: counted.events,
    };
  } finally {
    store.readStream = readStream;
  }
}

export async function benchSweepCost(): Promise<BenchRow[]> {
  const small = await sweepRun(SETTLED_SMALL);
  const large = await sweepRun(SETTLED_LARGE);
  const ratio = (value: number, baseline: number) => ({ value, baseline, ratio: value / baseline });
  const label = (run: SweepRun) => `${run.settled / 1000}k settled + ${QUEUED / 1000}k queued`;
  return [
    { name: `sweep duration, ${label(large)} (${label(small)} = baseline)`, unit: 'ms', ...ratio(large.sweepMs, small.sweepMs) },
    {
      name: `sweep readStream calls, ${label(large)} (${label(small)} = baseline)`,
      unit: 'calls',
      ...ratio(large.readStreamCalls, small.readStreamCalls),
    },
    {
      name: `sweep distinct streams read, ${label(large)} (${label(small)} = baseline)`,
      unit: 'streams',
      ...ratio(large.distinctStreams, small.distinctStreams),
    },
    {
      name: `sweep events read, ${label(large)} (${label(small)} = baseline)`,
      unit: 'events',
      ...ratio(large.eventsRead, small.eventsRead),
    },
    {
      name: `app start + projection catch-up from 0, ${large.settled * 4} seeded events (${small.settled * 4} = baseline)`,
      unit: 'events/s',
      ...ratio(large.catchUpEventsPerSecond, small.catchUpEventsPerSecond),
    },
  ];
}
