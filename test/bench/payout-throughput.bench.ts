import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { StoredEvent, Subscription } from '../../src/application/ports/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { startSandbox, type Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import { payoutStreamName } from '../../src/domain/streams/stream-names';
import type { BenchRow } from './bench-table';

/**
 * End-to-end payouts through the HTTP API. The service runs in its own
 * process (payout-service.bench-child.ts: main.ts's config loader and
 * createApp, `npm start`'s Node flags, JSON logs to a file), so the load generator,
 * the sandbox wallet + LNURL server and the bot's webhook sink (all in this
 * process) do not share its core.
 *
 * Each phase POSTs /v1/payouts and is timed from its first POST until the
 * event log holds a PaymentSettled for every one of its orders: this process
 * follows the service's SQLite file with its own SqliteEventStore
 * subscription (no order is polled).
 *
 * Run 1, the payout pipeline (no bot webhook configured), BENCH_PAYOUTS
 * payouts in all: warm-up (JIT; not reported), raw BOLT11 minted by the
 * sandbox minter with CONCURRENCY requests in flight (closed loop: capacity),
 * BOLT11 offered at 500/s and at 250/s (open loop: latency at a given rate,
 * measured from each request's due time, so queueing shows), sandbox
 * Lightning Addresses (LNURL resolution + pay), then BOLT11 again up to the
 * total, after which the service's peak RSS (VmHWM) is read.
 * Run 2, a fresh service with BOT_WEBHOOK_URL set (a sink answering 200 at
 * once): BENCH_WEBHOOK_PAYOUTS BOLT11 payouts, and how fast the webhooks
 * follow, during the load and after it.
 *
 * Baselines measured in the same run:
 * - throughput: the disk's ceiling if every append paid its own fsync (the
 *   design before group commit) — raw better-sqlite3 single-row transactions/s
 *   with synchronous=FULL on the same file system, divided by the appends one
 *   payout needs (4 for a BOLT11 payout: end-to-end id reservation,
 *   PixConfirmed+DestinationSubmitted, PaymentAttempted, PaymentSettled; 5 with
 *   AddressResolved). Above 100% means appends share fsyncs.
 * - POST latency: GET /health/live of the same service under the same load
 *   shape from the same client: the framework + loopback floor.
 * - CPU: service CPU per payout against this process's (the driver's).
 *
 * Env: BENCH_PAYOUTS (100000), BENCH_WEBHOOK_PAYOUTS (5000),
 * BENCH_CONCURRENCY (64), BENCH_SERVICE_NODE_FLAGS (extra node flags for the
 * service, after those of `npm start`, e.g. "--max-old-space-size=160"), BENCH_CPU_PROF=1 (the service's
 * --cpu-prof profiles go to ./bench-profiles), BENCH_HEAP_SNAPSHOT=1, BENCH_PIN_CPUS=1 (service and driver on
 * separate cores).
 */
const TOTAL_PAYOUTS = positiveInt(process.env.BENCH_PAYOUTS, 100_000);
const CONCURRENCY = positiveInt(process.env.BENCH_CONCURRENCY, 64);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
/** Payouts of the second run, with the bot's webhook configured. */
const WEBHOOK_PAYOUTS = positiveInt(process.env.BENCH_WEBHOOK_PAYOUTS, 5_000);
/** How long the webhook run waits, once its load stopped, for the owed webhooks. */
const WEBHOOK_DRAIN_MS = 20_000;
/** The last phase runs in chunks of this many payouts. */
const FILL_CHUNK = 10_000;
/** Open-loop rates (payouts/s): the target, and half of it. */
const TARGET_RATE = 500;
const AMOUNT_SATS = 1_000;
const SETTLE_TIMEOUT_MS = 120_000;
const KEYS = { bot: 'bench-bot-key-0123456789abcdefgh', admin: 'bench-admin-key-0123456789abcdefgh' };
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
const REGISTER_TS = join(__dirname, '..', 'support', 'register-ts.js');
const CHILD = join(__dirname, 'payout-service.bench-child.ts');
const BARE_HTTP_CHILD = join(__dirname, 'bare-http.bench-child.ts');

/** The flags between `node` and the script in package.json's start script. */
const START_NODE_FLAGS: string[] = (() => {
  const { scripts } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /^node((?:\s+--\S+)*)\s+dist\/main\.js$/.exec(scripts.start.trim());
  if (!match) throw new Error(`package.json start script "${scripts.start}" is not "node [--flags] dist/main.js"`);
  return match[1].split(/\s+/).filter(Boolean);
})();

/** Builds POST /v1/payouts requests of AMOUNT_SATS, each with a fresh end-to-end id unique to this run. */
export function confirmRequests(run: string): (orderId: string, destination: string) => PreparedRequest {
  let sequence = 0;
  return (orderId, destination) => ({
    method: 'POST',
    path: '/v1/payouts',
    body: {
      orderId,
      pix: {
        endToEndId: `E${run}${String(++sequence).padStart(31 - run.length, '0')}`,
        amountCents: 5_000,
        paidAt: '2025-07-09T12:00:00Z',
      },
      amountSats: AMOUNT_SATS,
      destination,
    },
    expect: [201],
  });
}

export function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`expected a positive integer, got "${raw}"`);
  return value;
}

// ---------------------------------------------------------------- service process

export interface ServiceProcess {
  url: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Highest RSS the child reported, bytes. */
  peakReportedRss(): number;
  /** The child's latest process.memoryUsage() sample. */
  lastMemory(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } | null;
  /** VmHWM (peak resident set) from /proc, bytes; null off Linux. */
  vmHwm(): number | null;
  /** CPU time (user + system) the service used so far, ms, from /proc; null off Linux. */
  cpuMs(): number | null;
  /** Asks the service to write a V8 heap snapshot to `path` (diagnostics). */
  heapSnapshot(path: string): Promise<void>;
  /** The service's event loop: ms idle and ms busy since it started (performance.eventLoopUtilization). */
  eventLoop(): Promise<EventLoopTimes>;
  stop(): Promise<void>;
}

export interface EventLoopTimes {
  idle: number;
  active: number;
}

/** Share of the time between two readings the loop was busy, 0..1. */
export function loopUtilization(before: EventLoopTimes, after: EventLoopTimes): number {
  const active = after.active - before.active;
  return active / (active + after.idle - before.idle);
}

/** `script`: the child to run (default: the service; the bench's bare node:http floor speaks the same messages). */
/**
 * BENCH_PIN_CPUS=1: the service (all its threads) runs on CPU 1 and this
 * driver on CPU 0, so the two never take turns on one core — on a 2-core host
 * that is most of the run-to-run noise of an A/B comparison. Linux only (taskset).
 */
const PIN_CPUS = process.env.BENCH_PIN_CPUS === '1';

function pinProcesses(servicePid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(servicePid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
}

export async function startServiceProcess(options: {
  dataDir: string;
  env: Record<string, string>;
  cpuProfDir?: string;
  script?: string;
}): Promise<ServiceProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, 'service.log');
  const log = openSync(logFile, 'a');
  // The Node flags `npm start` runs the service with (its heap cap), then any extra ones for the bench.
  const execArgv = ['--require', REGISTER_TS, ...START_NODE_FLAGS];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  execArgv.push(...(process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  let child: ChildProcess;
  try {
    child = fork(options.script ?? CHILD, [], {
      execArgv,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: options.dataDir, ...options.env },
      stdio: ['ignore', log, log, 'ipc'],
    });
  } finally {
    closeSync(log);
  }
  let peakRss = 0;
  let last: { rss: number; heapUsed: number; external: number; arrayBuffers: number } | null = null;
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => ((exited = true), resolve(code))));
  child.on('message', (message: { kind: string; rss: number; heapUsed: number; external: number; arrayBuffers: number }) => {
    if (message.kind !== 'memory') return;
    peakRss = Math.max(peakRss, message.rss);
    last = { rss: message.rss, heapUsed: message.heapUsed, external: message.external, arrayBuffers: message.arrayBuffers };
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start within 60 s (log: ${logFile})`)), 60_000);
    child.on('message', (message: { kind: string; port?: number }) => {
      if (message.kind === 'ready') {
        clearTimeout(timer);
        resolve(message.port!);
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening (log: ${logFile})`));
    });
  });
  const pid = child.pid!;
  if (PIN_CPUS) pinProcesses(pid);
  /** Sends a request to the child; resolves with its first answer of the same kind. */
  const ask = <T>(request: { kind: string; path?: string }) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { kind: string }) => {
        if (message.kind !== request.kind) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send(request);
    });
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    dataDir: options.dataDir,
    logFile,
    peakReportedRss: () => peakRss,
    lastMemory: () => last,
    vmHwm() {
      try {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match ? Number(match[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    cpuMs() {
      try {
        // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based, in clock ticks).
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      } catch {
        return null;
      }
    },
    async heapSnapshot(path) {
      await ask({ kind: 'heap-snapshot', path });
    },
    async eventLoop() {
      const { idle, active } = await ask<EventLoopTimes>({ kind: 'event-loop' });
      return { idle, active };
    },
    async stop() {
      if (exited) return;
      child.send({ kind: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** USER_HZ: 100 on every mainstream Linux. */
const CLOCK_TICKS = 100;

// ---------------------------------------------------------------- HTTP load generator

export interface HttpClient {
  request(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: string }>;
  close(): void;
}

export function httpClient(baseUrl: string, maxSockets: number): HttpClient {
  // Idle sockets are dropped after 2 s, before the service's keep-alive timeout (Node's 5 s) closes them:
  // a request written on a socket the server is closing at that instant fails with ECONNRESET.
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: 2_000 });
  const { hostname, port } = new URL(baseUrl);
  return {
    request(method, path, body, key = KEYS.bot) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            hostname,
            port,
            path,
            method,
            headers: {
              Authorization: `Bearer ${key}`,
              ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

export type PreparedRequest = { method: string; path: string; body?: unknown; expect: number[] };

export interface LoadResult {
  startedAt: bigint;
  latenciesMs: Float64Array;
  /** Requests per second actually sent. */
  sentPerSecond: number;
}

/**
 * Closed loop: `count` requests, `concurrency` in flight. `prepare` builds a
 * request outside the timed section (minting an invoice is the bot's
 * customer's work, not the service's); latency is from the request's start
 * to the end of its response.
 */
export async function runLoad(
  client: HttpClient,
  count: number,
  concurrency: number,
  prepare: (index: number) => PreparedRequest,
): Promise<LoadResult> {
  const latenciesMs = new Float64Array(count);
  let next = 0;
  let failure: Error | null = null;
  const startedAt = process.hrtime.bigint();
  const worker = async () => {
    while (next < count && failure === null) {
      const index = next++;
      const request = prepare(index);
      const t0 = process.hrtime.bigint();
      const response = await client.request(request.method, request.path, request.body);
      latenciesMs[index] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!request.expect.includes(response.status)) {
        failure = new Error(`${request.method} ${request.path} answered ${response.status}: ${response.body.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure) throw failure;
  return { startedAt, latenciesMs, sentPerSecond: count / (Number(process.hrtime.bigint() - startedAt) / 1e9) };
}

/**
 * Open loop: request i is due at start + i / rate, whatever the answers
 * (at most `maxInFlight` outstanding, as a bot's connection pool would
 * allow). Latency is from the due time to the end of the response, so a
 * service that falls behind shows its queueing instead of hiding it
 * (no coordinated omission).
 */
async function runOpenLoop(
  client: HttpClient,
  count: number,
  rate: number,
  maxInFlight: number,
  prepare: (index: number) => PreparedRequest,
): Promise<LoadResult> {
  const latenciesMs = new Float64Array(count);
  const startedAt = process.hrtime.bigint();
  const intervalNs = 1e9 / rate;
  let inFlight = 0;
  let failure: Error | null = null;
  let slotFreed: (() => void) | null = null;
  const outstanding: Promise<void>[] = [];
  for (let index = 0; index < count && failure === null; index++) {
    const due = startedAt + BigInt(Math.round(index * intervalNs));
    const aheadMs = Number(due - process.hrtime.bigint()) / 1e6;
    if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, Math.floor(aheadMs)));
    while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (slotFreed = resolve));
    const request = prepare(index);
    inFlight += 1;
    outstanding.push(
      client
        .request(request.method, request.path, request.body)
        .then(
          (response) => {
            latenciesMs[index] = Number(process.hrtime.bigint() - due) / 1e6;
            if (!request.expect.includes(response.status))
              failure ??= new Error(`${request.method} ${request.path} answered ${response.status}: ${response.body.slice(0, 300)}`);
          },
          (error: Error) => {
            failure ??= error;
          },
        )
        .finally(() => {
          inFlight -= 1;
          slotFreed?.();
          slotFreed = null;
        }),
    );
  }
  const sentPerSecond = count / (Number(process.hrtime.bigint() - startedAt) / 1e9);
  await Promise.all(outstanding);
  if (failure) throw failure;
  return { startedAt, latenciesMs, sentPerSecond };
}

export function percentile(values: Float64Array | number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// ---------------------------------------------------------------- settlement watcher

const UNHAPPY = new Set([
  'Payment520',
  'PaymentFailed',
  'PaymentPending',
  'PaymentOutcomeUnknown',
  'PaymentRejected',
  'RetryQueued',
  'PayoutEscalated',
  'DestinationRejected',
]);

/**
 * Follows the service's event log from another connection (the store's
 * cross-process polling, every 2 ms here) and resolves when every order of a
 * phase has its PaymentSettled.
 */
export class SettlementWatcher {
  private readonly store: SqliteEventStore;
  private subscription: Subscription | null = null;
  private readonly waits = new Map<string, { remaining: number; resolve: (at: bigint) => void; cancel: () => void }>();
  readonly unhappy = new Map<string, number>();
  eventsSeen = 0;

  constructor(filename: string) {
    this.store = new SqliteEventStore({ filename, clock: { now: () => new Date() }, pollIntervalMs: 2 });
  }

  async start(): Promise<void> {
    const after = await this.store.headPosition();
    this.subscription = this.store.subscribe({ after }, (event) => this.onEvent(event));
  }

  /** Resolves with the hrtime at which the last of `count` orders of streams `payout-<prefix>...` settled. */
  settled(prefix: string, count: number, timeoutMs: number): Promise<bigint> {
    return new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => {
        const wait = this.waits.get(payoutStreamName(prefix));
        this.waits.delete(payoutStreamName(prefix));
        reject(
          new Error(
            `${wait?.remaining ?? '?'} of ${count} payouts of ${prefix} not settled after ${timeoutMs} ms (unhappy ` +
              `events: ${JSON.stringify(Object.fromEntries(this.unhappy))})`,
          ),
        );
      }, timeoutMs);
      this.waits.set(payoutStreamName(prefix), {
        remaining: count,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
        cancel: () => {
          clearTimeout(timer);
          reject(new Error(`stopped waiting for the payouts of ${prefix}`));
        },
      });
    });
  }

  async close(): Promise<void> {
    for (const wait of this.waits.values()) wait.cancel();
    this.waits.clear();
    await this.subscription?.close();
    await this.store.close();
  }

  private onEvent(event: StoredEvent): void {
    this.eventsSeen += 1;
    if (UNHAPPY.has(event.type)) this.unhappy.set(event.type, (this.unhappy.get(event.type) ?? 0) + 1);
    if (event.type !== 'PaymentSettled') return;
    for (const [prefix, wait] of this.waits) {
      if (!event.stream.startsWith(prefix)) continue;
      wait.remaining -= 1;
      if (wait.remaining === 0) {
        this.waits.delete(prefix);
        wait.resolve(process.hrtime.bigint());
      }
    }
  }
}

// ---------------------------------------------------------------- the bot's webhook endpoint

/** Answers 200 to every delivery and counts them (the bench's bot does not verify signatures: not the service's cost). */
async function startWebhookSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(200, { 'Content-Length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/payouts`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const mib = (bytes: number | null | undefined) => (bytes == null ? '?' : (bytes / 2 ** 20).toFixed(0));

function walSize(dataDir: string): number | null {
  try {
    return statSync(join(dataDir, 'events.sqlite-wal')).size;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- baselines

/**
 * Event-loop utilization of a bare node:http server (bare-http.bench-child.ts)
 * under the open-loop load the service's floor gets: what any Node service
 * spends on HTTP alone on this machine.
 */
async function bareHttpLoopBusy(dataDir: string, request: () => PreparedRequest): Promise<number> {
  const bare = await startServiceProcess({ dataDir, env: {}, script: BARE_HTTP_CHILD });
  const client = httpClient(bare.url, CONCURRENCY);
  try {
    await runOpenLoop(client, 1_000, TARGET_RATE, CONCURRENCY, request);
    const before = await bare.eventLoop();
    await runOpenLoop(client, 2_500, TARGET_RATE, CONCURRENCY, request);
    return loopUtilization(before, await bare.eventLoop());
  } finally {
    client.close();
    await bare.stop();
  }
}

/** Raw single-row synchronous=FULL WAL transactions per second on the file system of `dir`: the fsync ceiling. */
export function rawFsyncTransactionsPerSecond(dir: string, count = 5_000): number {
  const db = new Database(join(dir, 'fsync-baseline.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const tx = db.transaction((v: string) => insert.run(v));
    const payload = 'x'.repeat(400);
    for (let i = 0; i < 500; i++) tx.immediate(payload);
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) tx.immediate(payload);
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    db.close();
    rmSync(join(dir, 'fsync-baseline.sqlite'), { force: true });
    rmSync(join(dir, 'fsync-baseline.sqlite-wal'), { force: true });
    rmSync(join(dir, 'fsync-baseline.sqlite-shm'), { force: true });
  }
}

// ---------------------------------------------------------------- the bench

interface PhaseResult {
  count: number;
  /** Settled payouts per second, first POST to last PaymentSettled. */
  perSecond: number;
  /** POSTs per second actually sent (open loop: the offered rate, if the generator kept up). */
  sentPerSecond: number;
  /** Service CPU (user + system) per settled payout, ms. */
  serviceCpuMs: number;
  /** This process's (load generator + sandbox + webhook sink) CPU per payout, ms. */
  driverCpuMs: number;
  /** Share of the phase the service's event loop was busy (0..1). */
  serviceLoopBusy: number;
  p50: number;
  p99: number;
  max: number;
  loopDelayP99Ms: number;
}

/** How the total is split (BENCH_PAYOUTS=100000: 2k, 20k, 5k + 5k, 10k, then 58k). */
function plan(total: number) {
  const share = (cap: number, fraction: number) => Math.max(1, Math.min(cap, Math.floor(total * fraction)));
  const warmUp = share(2_000, 0.02);
  const closedBolt11 = share(20_000, 0.2);
  const openLoop = share(5_000, 0.05);
  const address = share(10_000, 0.1);
  const fill = Math.max(0, total - warmUp - closedBolt11 - 2 * openLoop - address);
  return { warmUp, closedBolt11, openLoop, address, fill };
}

interface Rig {
  service: ServiceProcess;
  watcher: SettlementWatcher;
  client: HttpClient;
  close(): Promise<void>;
}

/** One service process wired to the sandbox (and, with webhooks, to the sink), followed by a settlement watcher. */
async function startRig(dataDir: string, sandbox: Sandbox, webhookUrl: string | null): Promise<Rig> {
  const service = await startServiceProcess({
    dataDir,
    cpuProfDir: CPU_PROF ? join(process.cwd(), 'bench-profiles') : undefined,
    env: {
      VOLTZ_URL: sandbox.lnbitsUrl,
      VOLTZ_ADMIN_KEY: sandbox.adminKey,
      LNURL_HOST_OVERRIDES: `${sandbox.addressDomain}=${sandbox.lnurlBaseUrl}`,
      LIGHTNING_NETWORK: 'regtest',
      BOT_API_KEYS: KEYS.bot,
      ADMIN_API_KEYS: KEYS.admin,
      ...(webhookUrl ? { BOT_WEBHOOK_URL: webhookUrl, BOT_WEBHOOK_SECRET: WEBHOOK_SECRET } : {}),
      // Runs with access lines off (LOG_LEVEL=warn) or another rate limit compare against the defaults.
      ...Object.fromEntries(
        ['LOG_LEVEL', 'RATE_LIMIT_PER_MINUTE', 'METRICS_ENABLED'].flatMap((name) =>
          process.env[name] ? [[name, process.env[name]!]] : [],
        ),
      ),
    },
  });
  const watcher = new SettlementWatcher(join(dataDir, 'events.sqlite'));
  await watcher.start();
  const client = httpClient(service.url, CONCURRENCY);
  return {
    service,
    watcher,
    client,
    async close() {
      client.close();
      await watcher.close();
      await service.stop();
    },
  };
}

export async function benchPayoutThroughput(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'payout-bench-'));
  const run = randomBytes(3).toString('hex');
  const phases = plan(TOTAL_PAYOUTS);
  let sandbox: Sandbox | null = null;
  let rig: Rig | null = null;
  let sink: Awaited<ReturnType<typeof startWebhookSink>> | null = null;
  const log = (line: string) => process.stderr.write(`[payout-throughput] ${line}\n`);
  try {
    const fsyncPerSecond = rawFsyncTransactionsPerSecond(dir);
    log(`fsync ceiling: ${Math.round(fsyncPerSecond)} tx/s; plan ${JSON.stringify(phases)} + webhook run ${WEBHOOK_PAYOUTS}`);

    sandbox = await startSandbox({ network: 'regtest' });
    // 100k payouts of 1000 sats and their fee reserves would drain the default 1 BTC.
    sandbox.lnbits.setBalance(Number.MAX_SAFE_INTEGER);
    const addressDomain = sandbox.addressDomain;

    const confirm = confirmRequests(run);
    const bolt11 = (prefix: string) => (index: number) =>
      confirm(`${prefix}${index}`, mintInvoice({ network: 'regtest', amountMsat: AMOUNT_SATS * 1000 }).bolt11);
    const address = (prefix: string) => (index: number) => confirm(`${prefix}${index}`, `user${index % 100}@${addressDomain}`);

    let phaseNumber = 0;
    const phase = async (
      on: Rig,
      label: string,
      count: number,
      drive: (client: HttpClient, prepare: (index: number) => PreparedRequest) => Promise<LoadResult>,
      kind: 'bolt11' | 'address',
    ): Promise<PhaseResult> => {
      const prefix = `p${++phaseNumber}${run}-`;
      // Requests are built before the clock starts: minting invoices is the customers' work, and on the
      // driver's event loop it would delay the sends it measures.
      const makeRequest = kind === 'bolt11' ? bolt11(prefix) : address(prefix);
      const requests = Array.from({ length: count }, (_, index) => makeRequest(index));
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const settled = on.watcher.settled(prefix, count, SETTLE_TIMEOUT_MS + count * 10);
      // If the load fails, its error is the one reported; the settlement wait still times out later.
      settled.catch(() => undefined);
      const loopBefore = await on.service.eventLoop();
      const cpuBefore = on.service.cpuMs() ?? Number.NaN;
      const driverBefore = process.cpuUsage();
      const load = await drive(on.client, (index) => requests[index]);
      const settledAt = await settled;
      const cpuAfter = on.service.cpuMs() ?? Number.NaN;
      const driver = process.cpuUsage(driverBefore);
      const loopAfter = await on.service.eventLoop();
      loop.disable();
      const seconds = Number(settledAt - load.startedAt) / 1e9;
      const result: PhaseResult = {
        count,
        perSecond: count / seconds,
        sentPerSecond: load.sentPerSecond,
        serviceCpuMs: (cpuAfter - cpuBefore) / count,
        driverCpuMs: (driver.user + driver.system) / 1000 / count,
        serviceLoopBusy: loopUtilization(loopBefore, loopAfter),
        p50: percentile(load.latenciesMs, 50),
        p99: percentile(load.latenciesMs, 99),
        max: percentile(load.latenciesMs, 100),
        loopDelayP99Ms: loop.percentile(99) / 1e6,
      };
      const mem = on.service.lastMemory();
      log(
        `${label}: ${count} settled in ${seconds.toFixed(1)} s = ${result.perSecond.toFixed(0)}/s (POSTs sent at ` +
          `${result.sentPerSecond.toFixed(0)}/s); ` +
          `CPU per payout: service ${result.serviceCpuMs.toFixed(2)} ms, driver ${result.driverCpuMs.toFixed(2)} ms; ` +
          `service loop busy ${(100 * result.serviceLoopBusy).toFixed(0)} %; ` +
          `POST p50 ${result.p50.toFixed(2)} ms p99 ${result.p99.toFixed(2)} ms max ${result.max.toFixed(1)} ms; ` +
          `driver loop delay p99 ${result.loopDelayP99Ms.toFixed(1)} ms; ` +
          `service rss ${mib(mem?.rss)} MiB heapUsed ${mib(mem?.heapUsed)} MiB; WAL ${mib(walSize(on.service.dataDir))} MiB`,
      );
      return result;
    };
    const closed = (count: number) => (client: HttpClient, prepare: (index: number) => PreparedRequest) =>
      runLoad(client, count, CONCURRENCY, prepare);
    const open = (count: number, rate: number) => (client: HttpClient, prepare: (index: number) => PreparedRequest) =>
      runOpenLoop(client, count, rate, CONCURRENCY, prepare);

    // ---- Run 1: the payout pipeline (no bot webhook configured), BENCH_PAYOUTS payouts in all.
    rig = await startRig(join(dir, 'pipeline'), sandbox, null);
    log(`pipeline service pid ${rig.service.pid} at ${rig.service.url}, log ${rig.service.logFile}`);
    await phase(rig, 'warm-up', phases.warmUp, closed(phases.warmUp), 'bolt11');

    // Latency floors: the cheapest route of the same service, same client, same load shape.
    const health = (): PreparedRequest => ({ method: 'GET', path: '/health/live', expect: [200] });
    const floorClosed = await runLoad(rig.client, 5_000, CONCURRENCY, health);
    const floorLoopBefore = await rig.service.eventLoop();
    const floorOpen = await runOpenLoop(rig.client, 2_500, TARGET_RATE, CONCURRENCY, health);
    const floorLoopBusy = loopUtilization(floorLoopBefore, await rig.service.eventLoop());
    const bareLoopBusy = await bareHttpLoopBusy(join(dir, 'bare-http'), health);
    const floor = {
      closedP50: percentile(floorClosed.latenciesMs, 50),
      closedP99: percentile(floorClosed.latenciesMs, 99),
      openP50: percentile(floorOpen.latenciesMs, 50),
      openP99: percentile(floorOpen.latenciesMs, 99),
      openLoopBusy: floorLoopBusy,
    };
    log(
      `GET /health/live floor: ${CONCURRENCY} in flight p50 ${floor.closedP50.toFixed(2)} ms p99 ` +
        `${floor.closedP99.toFixed(2)} ms; at ${TARGET_RATE}/s p50 ${floor.openP50.toFixed(2)} ms p99 ` +
        `${floor.openP99.toFixed(2)} ms, service loop busy ${(100 * floor.openLoopBusy).toFixed(0)} % (bare ` +
        `node:http server: ${(100 * bareLoopBusy).toFixed(0)} %)`,
    );

    const raw = await phase(rig, `BOLT11, ${CONCURRENCY} in flight`, phases.closedBolt11, closed(phases.closedBolt11), 'bolt11');
    const atTarget = await phase(rig, `BOLT11 at ${TARGET_RATE}/s`, phases.openLoop, open(phases.openLoop, TARGET_RATE), 'bolt11');
    const atHalf = await phase(rig, `BOLT11 at ${TARGET_RATE / 2}/s`, phases.openLoop, open(phases.openLoop, TARGET_RATE / 2), 'bolt11');
    const addr = await phase(rig, `Lightning Address, ${CONCURRENCY} in flight`, phases.address, closed(phases.address), 'address');
    // The rest in chunks, so a slowdown as history grows would show chunk by chunk; the last one is reported.
    let fill: PhaseResult | null = null;
    for (let done = 0; done < phases.fill; done += FILL_CHUNK) {
      const count = Math.min(FILL_CHUNK, phases.fill - done);
      const total = TOTAL_PAYOUTS - phases.fill + done + count;
      fill = await phase(rig, `BOLT11 fill up to ${total}, ${CONCURRENCY} in flight`, count, closed(count), 'bolt11');
    }

    if (process.env.BENCH_HEAP_SNAPSHOT === '1') {
      mkdirSync(join(process.cwd(), 'bench-profiles'), { recursive: true });
      const path = join(process.cwd(), 'bench-profiles', `service-${rig.service.pid}.heapsnapshot`);
      await rig.service.heapSnapshot(path);
      log(`service heap snapshot written to ${path}`);
    }
    const hwm = rig.service.vmHwm();
    const peakRss = hwm ?? rig.service.peakReportedRss();
    log(
      `pipeline service peak RSS ${mib(peakRss)} MiB (${hwm === null ? 'sampled' : 'VmHWM'}); unhappy events ` +
        `${JSON.stringify(Object.fromEntries(rig.watcher.unhappy))}`,
    );
    await rig.close();
    rig = null;

    // ---- Run 2: the same with the bot's webhook configured (a sink answering 200 at once).
    sink = await startWebhookSink();
    rig = await startRig(join(dir, 'webhooks'), sandbox, sink.url);
    log(`webhook service pid ${rig.service.pid} at ${rig.service.url}, log ${rig.service.logFile}`);
    const warm = Math.min(500, WEBHOOK_PAYOUTS);
    await phase(rig, 'webhooks: warm-up', warm, closed(warm), 'bolt11');
    const deliveredBefore = sink.received();
    const hooks = await phase(rig, `webhooks: BOLT11, ${CONCURRENCY} in flight`, WEBHOOK_PAYOUTS, closed(WEBHOOK_PAYOUTS), 'bolt11');
    const deliveredDuring = sink.received() - deliveredBefore;
    const duringSeconds = hooks.count / hooks.perSecond;
    const owed = warm + WEBHOOK_PAYOUTS;
    const drainStarted = Date.now();
    const drainFrom = sink.received();
    while (sink.received() < owed && Date.now() - drainStarted < WEBHOOK_DRAIN_MS) await new Promise((resolve) => setTimeout(resolve, 100));
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    const drainRate = (sink.received() - drainFrom) / drainSeconds;
    const webhookHwm = rig.service.vmHwm() ?? rig.service.peakReportedRss();
    log(
      `webhooks: ${deliveredDuring} delivered while ${hooks.count} payouts settled (${(deliveredDuring / duringSeconds).toFixed(0)}/s); ` +
        `then ${sink.received() - drainFrom} more in ${drainSeconds.toFixed(1)} s (${drainRate.toFixed(0)}/s); ` +
        `${owed - sink.received()} still undelivered; service peak RSS ${mib(webhookHwm)} MiB`,
    );

    const ceilingBolt11 = fsyncPerSecond / 4;
    const ceilingAddress = fsyncPerSecond / 5;
    const ratio = (value: number, baseline: number) => ({ value, baseline, ratio: value / baseline });
    /** A closed-loop phase: throughput against the fsync ceiling, CPU against the driver's, latency against the framework floor. */
    const closedLoopRows = (label: string, result: PhaseResult, ceiling: number): BenchRow[] => [
      {
        name: `payouts settled/s, ${label}, ${result.count} orders, ${CONCURRENCY} in flight (1 fsync/append ceiling = baseline)`,
        unit: 'payouts/s',
        ...ratio(result.perSecond, ceiling),
      },
      { name: `  service CPU per payout (driver CPU = baseline)`, unit: 'ms', ...ratio(result.serviceCpuMs, result.driverCpuMs) },
      {
        name: `  POST /v1/payouts p50, ${CONCURRENCY} in flight (GET /health/live = baseline)`,
        unit: 'ms',
        ...ratio(result.p50, floor.closedP50),
      },
      {
        name: `  POST /v1/payouts p99, ${CONCURRENCY} in flight (GET /health/live = baseline)`,
        unit: 'ms',
        ...ratio(result.p99, floor.closedP99),
      },
    ];
    /** An open-loop phase at `rate` POSTs/s: throughput against the offered rate, latency and loop against /health/live at TARGET_RATE. */
    const openLoopRows = (rate: number, result: PhaseResult): BenchRow[] => [
      {
        name: `payouts settled/s, BOLT11 offered at ${rate}/s, ${result.count} orders (offered = baseline)`,
        unit: 'payouts/s',
        ...ratio(result.perSecond, rate),
      },
      {
        name: `  POST /v1/payouts p50 at ${rate}/s (GET /health/live at ${TARGET_RATE}/s = baseline)`,
        unit: 'ms',
        ...ratio(result.p50, floor.openP50),
      },
      {
        name: `  POST /v1/payouts p99 at ${rate}/s (GET /health/live at ${TARGET_RATE}/s = baseline)`,
        unit: 'ms',
        ...ratio(result.p99, floor.openP99),
      },
      {
        name: `  service event loop busy at ${rate}/s (GET /health/live at ${TARGET_RATE}/s = baseline)`,
        unit: '%',
        ...ratio(100 * result.serviceLoopBusy, 100 * floor.openLoopBusy),
      },
    ];
    const rows: BenchRow[] = [
      ...closedLoopRows('BOLT11', raw, ceilingBolt11),
      ...openLoopRows(TARGET_RATE, atTarget),
      {
        name: `  GET /health/live at ${TARGET_RATE}/s: service event loop busy (bare node:http server at ${TARGET_RATE}/s = baseline)`,
        unit: '%',
        ...ratio(100 * floor.openLoopBusy, 100 * bareLoopBusy),
      },
      ...openLoopRows(TARGET_RATE / 2, atHalf),
      ...closedLoopRows('Lightning Address', addr, ceilingAddress),
    ];
    if (fill) {
      rows.push(
        {
          name: `payouts settled/s, BOLT11, last ${fill.count} of ${TOTAL_PAYOUTS} (first BOLT11 phase = baseline)`,
          unit: 'payouts/s',
          ...ratio(fill.perSecond, raw.perSecond),
        },
        { name: `  service CPU per payout (first BOLT11 phase = baseline)`, unit: 'ms', ...ratio(fill.serviceCpuMs, raw.serviceCpuMs) },
        {
          name: `  POST /v1/payouts p99, ${CONCURRENCY} in flight (first BOLT11 phase = baseline)`,
          unit: 'ms',
          ...ratio(fill.p99, raw.p99),
        },
      );
    }
    rows.push(
      { name: `service peak RSS (VmHWM) after ${TOTAL_PAYOUTS} payouts`, value: peakRss / 2 ** 20, unit: 'MiB' },
      {
        name: `with bot webhooks: payouts settled/s, BOLT11, ${hooks.count} orders (without webhooks = baseline)`,
        unit: 'payouts/s',
        ...ratio(hooks.perSecond, raw.perSecond),
      },
      { name: `  service CPU per payout (without webhooks = baseline)`, unit: 'ms', ...ratio(hooks.serviceCpuMs, raw.serviceCpuMs) },
      {
        name: `  webhooks delivered/s meanwhile (payouts settled/s = baseline)`,
        unit: 'webhooks/s',
        ...ratio(deliveredDuring / duringSeconds, hooks.perSecond),
      },
      {
        name: `  webhooks delivered/s once the load stopped (payouts settled/s = baseline)`,
        unit: 'webhooks/s',
        ...ratio(drainRate, hooks.perSecond),
      },
      {
        name: `  webhooks still undelivered ${Math.round(duringSeconds + drainSeconds)} s after the first POST (owed = baseline)`,
        unit: 'webhooks',
        ...ratio(owed - sink.received(), owed),
      },
      { name: `  service peak RSS (VmHWM) after ${owed} payouts`, value: webhookHwm / 2 ** 20, unit: 'MiB' },
    );
    return rows;
  } finally {
    await rig?.close();
    await sink?.close();
    await sandbox?.close();
    if (CPU_PROF) log('service CPU profiles written to ./bench-profiles');
    rmSync(dir, { recursive: true, force: true });
  }
}
