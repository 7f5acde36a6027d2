import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { PostgresServer } from '../support/postgres/postgres-server';
import { endToEndIdFor } from '../support/service-process-fixtures';
import { ServiceProcess, stopAllServiceProcesses } from '../support/service-process';
import { makeTempDir } from '../support/temp-dir';
import type { BenchRow } from './bench-table';
import { positiveInt } from './payout-throughput.bench';

/**
 * Settled payouts per second through the HTTP API, raw BOLT11 through the
 * sandbox wallet, CONCURRENCY requests in flight spread over the instances:
 * SQLite with one instance (the baseline, same run), then PostgreSQL with one
 * and with two instances on one database. Timed from the first POST until the
 * log holds a PaymentSettled for every order (read from the store itself).
 *
 * Env: BENCH_PG_PAYOUTS (2000 per phase), BENCH_CONCURRENCY (64).
 */
const PAYOUTS = positiveInt(process.env.BENCH_PG_PAYOUTS, 2_000);
const CONCURRENCY = positiveInt(process.env.BENCH_CONCURRENCY, 64);
const WARM_UP = 200;
const ENV = { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', MAX_PAYOUT_SATS: '1000000' };

export async function benchPostgresPayouts(): Promise<BenchRow[]> {
  const sandbox = await startSandbox({ network: 'regtest', balanceMsat: 10 ** 15 });
  const pgDir = makeTempDir('pll-bench-pg');
  const server = await PostgresServer.start(pgDir.path);
  const dirs: Array<{ path: string; remove(): void }> = [];
  const dir = () => {
    const made = makeTempDir('pll-bench-svc');
    dirs.push(made);
    return made.path;
  };
  try {
    const sqliteDir = dir();
    const sqlite = await runPhase(
      'sqlite',
      [await ServiceProcess.start({ dataDir: sqliteDir, sandbox, env: ENV, name: 'bench-sqlite' })],
      () => countSettledSqlite(join(sqliteDir, 'events.sqlite')),
    );
    await stopAllServiceProcesses();

    const database = await createDatabase(server, 'bench_one');
    const pgEnv = { ...ENV, EVENT_STORE: 'postgres', DATABASE_URL: database };
    const one = await runPhase('pg1', [await ServiceProcess.start({ dataDir: dir(), sandbox, env: pgEnv, name: 'bench-pg-1' })], () =>
      countSettledPostgres(database),
    );
    await stopAllServiceProcesses();

    const shared = await createDatabase(server, 'bench_two');
    const twoEnv = { ...ENV, EVENT_STORE: 'postgres', DATABASE_URL: shared };
    const pair = await Promise.all(
      ['a', 'b'].map((name) => ServiceProcess.start({ dataDir: dir(), sandbox, env: twoEnv, name: `bench-pg-2${name}` })),
    );
    const two = await runPhase('pg2', pair, () => countSettledPostgres(shared));
    await stopAllServiceProcesses();

    return [
      { name: 'payouts settled/s, SQLite, 1 instance', value: sqlite, unit: 'payouts/s' },
      { name: 'payouts settled/s, PostgreSQL, 1 instance', value: one, unit: 'payouts/s', baseline: sqlite, ratio: one / sqlite },
      { name: 'payouts settled/s, PostgreSQL, 2 instances', value: two, unit: 'payouts/s', baseline: one, ratio: two / one },
    ];
  } finally {
    await stopAllServiceProcesses();
    await sandbox.close();
    await server.stop();
    pgDir.remove();
    for (const made of dirs) made.remove();
  }
}

/** Warm-up (not timed), then PAYOUTS orders; answers settled payouts per second. */
async function runPhase(label: string, services: ServiceProcess[], settled: () => Promise<number>): Promise<number> {
  await post(label, 'warm', WARM_UP, services);
  await until(async () => (await settled()) >= WARM_UP);
  const started = Date.now();
  await post(label, 'run', PAYOUTS, services);
  await until(async () => (await settled()) >= WARM_UP + PAYOUTS);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`[bench] postgres-payouts ${label}: ${PAYOUTS} payouts in ${seconds.toFixed(1)} s\n`);
  return PAYOUTS / seconds;
}

async function post(label: string, phase: string, count: number, services: ServiceProcess[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = next++; i < count; i = next++) {
        const orderId = `${label}_${phase}_${i}`;
        const amountSats = 1_000 + (i % 500);
        const invoice = mintInvoice({ network: 'regtest', amountMsat: amountSats * 1000 });
        const service = services[(worker + i) % services.length];
        const res = await service.confirm({ orderId, endToEndId: endToEndIdFor(orderId), amountSats, destination: invoice.bolt11 });
        if (res.status !== 201) throw new Error(`${orderId}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
}

async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  const client = new Client({ connectionString: server.databaseUrl() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return server.databaseUrl(name);
}

async function countSettledPostgres(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE type = 'PaymentSettled'");
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

async function countSettledSqlite(file: string): Promise<number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM events WHERE type = 'PaymentSettled'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('postgres-payouts: timed out waiting for the payouts to settle');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
