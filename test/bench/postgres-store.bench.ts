import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { migratePostgres } from '../../src/infrastructure/postgres/postgres-migrations';
import type { BenchRow } from './bench-table';
import type { BenchFigures, BenchJob, Contender } from './postgres-store.bench-child';

/**
 * PostgresEventStore on a real server started for the bench (the tests'
 * embedded PostgreSQL 18, fsync on), against, in the same run and on the
 * same server: raw `pg` sending the adapter's own statements (the ceiling
 * for its overhead), Emmett's PostgreSQL event store, and the other no-skip
 * remedy (appends serialised on an advisory lock, reads by identity alone).
 * Appends: one event per transaction, IN_FLIGHT at a time, each contender in
 * a fresh database. Reads: the whole log (SEED_EVENTS and the appends) and
 * READ_STREAMS streams of 50 events, best of three passes.
 * Targets: appends >= 70 % of raw pg, ahead of Emmett on appends and reads.
 */
const APPENDS = Number(process.env.BENCH_PG_APPENDS ?? 5_000);
const IN_FLIGHT = 16;
/** The group's contenders append in turns, this many rounds each. */
const ROUNDS = 4;
const SEED_EVENTS = 50_000;
const READ_STREAMS = 200;
const ROOT = join(__dirname, '..', '..');
const START_POSTGRES = join(ROOT, 'test', 'support', 'postgres', 'start-test-postgres.mjs');
const REGISTER_TS = join(ROOT, 'test', 'support', 'register-ts.js');
const CHILD = join(__dirname, 'postgres-store.bench-child.ts');

async function firstLine(child: ChildProcessWithoutNullStreams, what: string): Promise<string> {
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(String(chunk)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) without an answer: ${stderr.join('')}`)));
  });
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function run(job: BenchJob): Promise<Partial<Record<Contender, BenchFigures>>> {
  const child = spawn(process.execPath, ['--require', REGISTER_TS, CHILD, JSON.stringify(job)], { cwd: ROOT });
  const figures = JSON.parse(await firstLine(child, `the ${job.group} bench`)) as Partial<Record<Contender, BenchFigures>>;
  process.stderr.write(`[bench] postgres-store ${job.group}: ${JSON.stringify(figures)}\n`);
  return figures;
}

function row(name: string, value: number, unit: string, baseline: number): BenchRow {
  return { name, value, unit, baseline, ratio: value / baseline };
}

export async function benchPostgresStore(): Promise<BenchRow[]> {
  const server = spawn(process.execPath, [START_POSTGRES], { cwd: ROOT });
  try {
    const serverUrl = await firstLine(server, 'the bench PostgreSQL');
    const urls = {} as Record<Contender, string>;
    for (const contender of ['adapter', 'raw', 'advisory-lock', 'emmett'] as const) {
      urls[contender] = await createDatabase(serverUrl, `bench_${contender.replace('-', '_')}`);
      if (contender !== 'emmett') await migratePostgres(urls[contender]);
    }
    const job = (group: BenchJob['group'], contenders: Contender[]): BenchJob => ({
      group,
      urls: Object.fromEntries(contenders.map((contender) => [contender, urls[contender]])),
      appends: APPENDS,
      rounds: ROUNDS,
      inFlight: IN_FLIGHT,
      seedEvents: SEED_EVENTS,
      readStreams: READ_STREAMS,
    });
    const { adapter: ours, raw, 'advisory-lock': locked } = await run(job('ours', ['adapter', 'raw', 'advisory-lock']));
    const { emmett } = await run(job('emmett', ['emmett']));
    if (!ours || !raw || !locked || !emmett) throw new Error('a contender of the postgres-store bench reported nothing');
    const appends = `appends/s (1 event/tx, ${IN_FLIGHT} in flight)`;
    return [
      row('postgres-store: adapter vs raw pg, same SQL', ours.appendsPerSecond, appends, raw.appendsPerSecond),
      row('postgres-store: adapter vs Emmett', ours.appendsPerSecond, appends, emmett.appendsPerSecond),
      row('postgres-store: advisory-lock remedy vs xid remedy (raw)', locked.appendsPerSecond, appends, raw.appendsPerSecond),
      row('postgres-store: readAll adapter vs raw pg, same SQL', ours.readAllPerSecond, 'events/s', raw.readAllPerSecond),
      row('postgres-store: readAll adapter vs Emmett', ours.readAllPerSecond, 'events/s', emmett.readAllPerSecond),
      row('postgres-store: readAll by identity vs below xmin (raw)', locked.readAllPerSecond, 'events/s', raw.readAllPerSecond),
      row('postgres-store: readStream adapter vs raw pg', ours.readStreamPerSecond, 'events/s', raw.readStreamPerSecond),
      row('postgres-store: readStream adapter vs Emmett', ours.readStreamPerSecond, 'events/s', emmett.readStreamPerSecond),
    ];
  } finally {
    await new Promise((resolve) => {
      server.once('exit', resolve);
      server.stdin.end();
    });
  }
}
