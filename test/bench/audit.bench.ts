import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { endToEndIdStreamName, paymentHashStreamName, payoutStreamName } from '../../src/domain/streams/stream-names';
import { LedgerCheck } from '../../src/application/ledger-integrity/ledger-verifier';
import { payoutPolicy } from '../../src/application/payout-settings';
import { orderIdOfPayoutStream } from '../../src/domain/streams/stream-names';
import { OpenAuditPool } from '../../src/infrastructure/cli/open-audit-pool';
import { offlineReconciler } from '../../src/infrastructure/cli/reconcile.command';
import { verifyLedger } from '../../src/infrastructure/cli/verify.command';
import { loadConfig } from '../../src/infrastructure/config/load-config';
import { payoutSettingsFrom } from '../../src/infrastructure/config/payout-settings.factory';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { AdminStatsProjection } from '../../src/infrastructure/projections/admin-stats.projection';
import { PayoutsProjection } from '../../src/infrastructure/projections/payouts.projection';
import { openReadModelDatabase } from '../../src/infrastructure/projections/read-model-database';
import { ReadModelBuilder } from '../../src/infrastructure/projections/read-model-builder';
import { SystemClock } from '../../src/infrastructure/system/system-clock';
import { VoltzClient } from '../../src/infrastructure/voltz/voltz-client';
import type { BenchRow } from './bench-table';

/**
 * The auditors' tools at scale, against baselines measured in the same run:
 * `verify` over PAYOUTS settled payouts (6 events each: the order's 4 and
 * its 2 reservations) against a raw better-sqlite3 read of the same log, and
 * `reconcile` over as many wallet payments served LNbits-style over HTTP.
 * Peak heap is sampled during each, to show memory stays bounded.
 */
const PAYOUTS = Number(process.env.AUDIT_BENCH_PAYOUTS ?? 100_000);
const AMOUNT_SATS = 21_000;

const hashOf = (i: number) => i.toString(16).padStart(64, '0');

function seed(filename: string): number {
  const store = new SqliteEventStore({ filename, clock: new SystemClock() });
  void store.close();
  const db = new Database(filename);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const at = '2025-07-09T12:00:00.000Z';
  const meta = JSON.stringify({ correlationId: randomUUID(), causationId: null, actor: 'system', schemaVersion: 1 });
  let events = 0;
  db.transaction(() => {
    for (let i = 0; i < PAYOUTS; i++) {
      const orderId = `bench-${i}`;
      const e2e = `E${String(i).padStart(31, '0')}`;
      const hash = hashOf(i);
      const invoice = {
        bolt11: `lnbcrt210u1bench${i}`,
        paymentHash: hash,
        amountMsat: AMOUNT_SATS * 1000,
        expiresAt: '2025-07-09T13:00:00.000Z',
      };
      const rows: [string, number, string, Record<string, unknown>][] = [
        [endToEndIdStreamName(e2e), 0, 'EndToEndIdReserved', { endToEndId: e2e, orderId, reservedAt: at }],
        [
          payoutStreamName(orderId),
          0,
          'PixConfirmed',
          { orderId, endToEndId: e2e, amountCents: 5000, amountSats: AMOUNT_SATS, paidAt: at, confirmedAt: at },
        ],
        [paymentHashStreamName(hash), 0, 'PaymentHashReserved', { paymentHash: hash, orderId, reservedAt: at }],
        [payoutStreamName(orderId), 1, 'DestinationSubmitted', { destination: invoice.bolt11, kind: 'bolt11', invoice, submittedAt: at }],
        [
          payoutStreamName(orderId),
          2,
          'PaymentAttempted',
          { attempt: 1, paymentHash: hash, bolt11: invoice.bolt11, amountMsat: invoice.amountMsat, attemptedAt: at },
        ],
        [payoutStreamName(orderId), 3, 'PaymentSettled', { paymentHash: hash, preimage: hash, feeMsat: 1000, settledAt: at }],
      ];
      for (const [stream, revision, type, data] of rows) {
        insert.run(stream, revision, randomUUID(), type, JSON.stringify(data), meta, at);
        events++;
      }
    }
  })();
  db.close();
  return events;
}

function rawRead(filename: string): number {
  const db = new Database(filename, { readonly: true });
  const startedAt = process.hrtime.bigint();
  let count = 0;
  for (const row of db
    .prepare<[], { data: string; metadata: string }>(
      'SELECT position, stream, revision, id, type, data, metadata, created_at FROM events ORDER BY position',
    )
    .iterate()) {
    JSON.parse(row.data);
    JSON.parse(row.metadata);
    count++;
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  db.close();
  return count / seconds;
}

/** Peak heap while `work` runs, sampled every 20 ms. */
async function withPeakHeap<T>(work: () => Promise<T>): Promise<{ result: T; peakHeapMb: number; seconds: number }> {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const startedAt = process.hrtime.bigint();
  try {
    const result = await work();
    return {
      result,
      peakHeapMb: Math.max(peak, process.memoryUsage().heapUsed) / 2 ** 20,
      seconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
    };
  } finally {
    clearInterval(timer);
  }
}

/** An LNbits `GET /api/v1/payments?limit=&offset=` over PAYOUTS successful payments, newest first. */
async function walletServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const offset = Number(url.searchParams.get('offset'));
    const page = [];
    for (let i = PAYOUTS - 1 - offset; i >= 0 && page.length < limit; i--) {
      page.push({
        payment_hash: hashOf(i),
        checking_id: hashOf(i),
        amount: -AMOUNT_SATS * 1000,
        fee: -1000,
        status: 'success',
        preimage: hashOf(i),
        time: '2025-07-09T12:00:00Z',
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function benchAudit(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  const filename = join(dir, 'events.sqlite');
  const config = loadConfig({ DATA_DIR: dir });
  try {
    const events = seed(filename);
    const store = new SqliteEventStore({ filename, clock: new SystemClock() });
    const live = openReadModelDatabase(dir, 'sqlite');
    const settings = payoutSettingsFrom(config);
    // The service's read models, caught up: what verify compares its rebuild with. Timed: it is `ledger rebuild`'s work.
    const rebuild = await withPeakHeap(async () => {
      const builder = new ReadModelBuilder(live, [new PayoutsProjection(settings), new AdminStatsProjection()]);
      for await (const event of store.readAll()) builder.add(event);
      builder.finish();
    });

    const raw = Math.max(rawRead(filename), rawRead(filename));
    const verify = await withPeakHeap(() => verifyLedger(config, store, live));
    if (verify.result.violations.length > 0 || verify.result.orders !== PAYOUTS)
      throw new Error(`verify: ${JSON.stringify(verify.result).slice(0, 500)}`);
    // `ledger verify` also checks every hash chain and digest (issue 14, benched on its own in ledger-chain) on the same pass.
    const cli = await withPeakHeap(async () => {
      const check = await LedgerCheck.open(store);
      await verifyLedger(config, store, live, check);
      return check.report();
    });
    if (cli.result.breaks.length > 0) throw new Error(`verify chains: ${JSON.stringify(cli.result.breaks.slice(0, 3))}`);
    // verify's audits alone, without the rebuild: one pass replaying every order through the production evolve.
    const audits = await withPeakHeap(async () => {
      const pool = new OpenAuditPool(store, payoutPolicy(settings));
      for await (const event of store.readAll()) {
        const orderId = orderIdOfPayoutStream(event.stream);
        if (orderId !== null) await pool.apply(orderId, event);
      }
      return pool.close();
    });
    if (audits.result.length !== PAYOUTS || audits.result.some((audit) => audit.violations.length > 0))
      throw new Error('audits: not clean');

    const wallet = await walletServer();
    const reconciler = offlineReconciler(store, new VoltzClient({ baseUrl: wallet.url, adminKey: 'bench', timeoutMs: 30_000 }));
    const reconcile = await withPeakHeap(() => reconciler.reconcile({ record: false, actor: 'auditor', pageSize: 1000 }));
    await wallet.close();
    if (reconcile.result.matched !== PAYOUTS || reconcile.result.discrepancies.length > 0)
      throw new Error(`reconcile: ${JSON.stringify({ ...reconcile.result, discrepancies: reconcile.result.discrepancies.slice(0, 3) })}`);
    live.close();
    await store.close();

    const verifyRate = events / verify.seconds;
    const cliRate = events / cli.seconds;
    const auditRate = events / audits.seconds;
    const rebuildRate = events / rebuild.seconds;
    return [
      {
        name: `ledger verify, ${PAYOUTS} payouts / ${events} events, read models rebuilt and compared (raw read = baseline)`,
        value: verifyRate,
        unit: 'events/s',
        baseline: raw,
        ratio: verifyRate / raw,
      },
      { name: 'ledger verify: seconds', value: verify.seconds, unit: 's' },
      {
        name: '… as the CLI runs it: every hash chain and digest checked on the same pass (raw read = baseline)',
        value: cliRate,
        unit: 'events/s',
        baseline: raw,
        ratio: cliRate / raw,
      },
      {
        name: '… its audits alone: one pass, every order replayed through the production evolve and checked (raw read = baseline)',
        value: auditRate,
        unit: 'events/s',
        baseline: raw,
        ratio: auditRate / raw,
      },
      {
        name: '`ledger rebuild` alone: the production projections from position 0 into the live read models (raw read = baseline)',
        value: rebuildRate,
        unit: 'events/s',
        baseline: raw,
        ratio: rebuildRate / raw,
      },
      { name: 'ledger verify: peak heap', value: verify.peakHeapMb, unit: 'MB' },
      {
        name: `ledger reconcile, ${PAYOUTS} wallet payments over HTTP (pages of 1000) + the ledger's ${events} events`,
        value: reconcile.seconds,
        unit: 's',
      },
      { name: 'ledger reconcile: peak heap', value: reconcile.peakHeapMb, unit: 'MB' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
