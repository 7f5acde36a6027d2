import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { SweepSummary } from '../../src/application/ports/payout-metrics.port';
import type { FallbackQueueItem as FallbackItem } from '../../src/application/ports/fallback-queue.port';

/**
 * The real service (src/main.ts, configured from the environment) as a child
 * process, so a test can SIGKILL it mid-payment and start it again on the same
 * DATA_DIR, or run several instances on one SQLite file. The wallet and the
 * Lightning Address server are sandbox servers started in the TEST process:
 * their ground-truth ledger outlives every child.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const REGISTER_TS = path.join(PROJECT_ROOT, 'test', 'support', 'register-ts.js');
/** Binds the child's HTTP server to 127.0.0.1 (main.ts listens on every interface). */
export const SERVICE_MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');

/** Own keys (not test-app's), so the test process does not load Nest just to know them. */
export const SERVICE_KEYS = {
  bot: 'svc-bot-key-0123456789abcdefgh',
  admin: 'svc-admin-key-0123456789abcdefgh',
  auditor: 'svc-auditor-key-0123456789abcdefgh',
} as const;

/** Variables of README's configuration table: never inherited from the parent, always set here or left to their defaults. */
const SERVICE_VARIABLES = [
  'PORT',
  'DATA_DIR',
  'EVENT_STORE',
  'EVENTSTORE_CONNECTION_STRING',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'VOLTZ_URL',
  'VOLTZ_ADMIN_KEY',
  'VOLTZ_TIMEOUT_MS',
  'LIGHTNING_NETWORK',
  'MAX_PAYOUT_SATS',
  'PAYMENT_RETRY_ATTEMPTS',
  'PAYMENT_RETRY_BASE_MS',
  'PAYMENT_NOT_FOUND_GRACE_MS',
  'FALLBACK_CRON',
  'RECONCILE_CRON',
  'DIGEST_CRON',
  'ESCALATE_AFTER_ATTEMPTS',
  'BOT_WEBHOOK_URL',
  'BOT_WEBHOOK_SECRET',
  'LNURL_TIMEOUT_MS',
  'LNURL_HOST_OVERRIDES',
  'SENT_INVOICE_EXPIRY_SLACK_MS',
  'BOT_API_KEYS',
  'ADMIN_API_KEYS',
  'AUDITOR_API_KEYS',
  'METRICS_API_KEYS',
  'METRICS_ENABLED',
  'MIN_INVOICE_VALIDITY_S',
  'NODE_OPTIONS',
  'VOLTZ_PROBE_INTERVAL_MS',
  'VOLTZ_BREAKER_THRESHOLD',
  'RATE_LIMIT_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE',
  'RESERVATION_TAKEOVER_MS',
  'LOG_LEVEL',
  'WALLET_LOW_BALANCE_SATS',
];

/** What the child needs to know about the sandbox servers running in the test process. */
export interface SandboxEndpoints {
  lnbitsUrl: string;
  adminKey: string;
  addressDomain: string;
  lnurlBaseUrl: string;
}

export interface ServiceProcessOptions {
  dataDir: string;
  sandbox: SandboxEndpoints;
  /** Overrides and additions (VOLTZ_TIMEOUT_MS, FALLBACK_CRON...). */
  env?: Record<string, string>;
  /** A label for diagnostics. */
  name?: string;
  /** Cap on the wait for GET /health/ready; default 30 s. */
  readyTimeoutMs?: number;
  /** 'live': start() returns once GET /health/live answers (a service expected never to be ready). Default 'ready'. */
  waitFor?: 'ready' | 'live';
  /** RLIMIT_FSIZE of the child, in 1024-byte blocks (`ulimit -f`): writes beyond it fail with EFBIG (a full disk). */
  fileSizeLimitBlocks?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** The service could not be reached at all (refused, reset, no answer): the caller may retry elsewhere. */
export class ServiceUnreachableError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ServiceUnreachableError';
  }
}

const MAX_OUTPUT_CHARS = 4_000_000;
const READY_POLL_MS = 50;
const live = new Set<ServiceProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence against orphans: whatever happened to the test, no child outlives the jest worker.
  process.once('exit', () => {
    for (const service of live) service.killNow();
  });
}

export class ServiceProcess {
  private readonly chunks: string[] = [];
  private outputChars = 0;
  private exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  /** Date.now() when the child was spawned and when it first answered ready. */
  readonly startedAt: number;
  readyAt: number | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
    readonly port: number,
    readonly dataDir: string,
  ) {
    this.startedAt = Date.now();
    // SERVICE_PROCESS_LOG_DIR=<dir> also streams each child's whole output to <dir>/<name>-<pid>.log.
    const logDir = process.env.SERVICE_PROCESS_LOG_DIR;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const logFile = logDir ? path.join(logDir, `${name.replace(/[^A-Za-z0-9_.#-]/g, '_')}-${child.pid}.log`) : null;
    const collect = (stream: string) => (data: Buffer) => {
      const text = `${stream === 'stderr' ? '[stderr] ' : ''}${data.toString('utf8')}`;
      this.append(text);
      if (logFile) appendFileSync(logFile, text);
    };
    child.stdout?.on('data', collect('stdout'));
    child.stderr?.on('data', collect('stderr'));
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
  }

  /** Spawns the service and waits until GET /health/ready answers 200 (bounded). Retries on a port taken meanwhile. */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    installExitHook();
    let lastError: Error | null = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      const service = ServiceProcess.spawn(options, port);
      try {
        await service.waitUntilReady(options.readyTimeoutMs ?? 30_000, options.waitFor ?? 'ready');
        return service;
      } catch (error) {
        lastError = error as Error;
        if (!service.exitInfo) await service.kill('SIGKILL');
        if (!/EADDRINUSE/.test(service.output())) break;
      }
    }
    throw lastError ?? new Error('service did not start');
  }

  private static spawn(options: ServiceProcessOptions, port: number): ServiceProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SERVICE_VARIABLES) delete env[name];
    Object.assign(env, {
      NO_COLOR: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      VOLTZ_URL: options.sandbox.lnbitsUrl,
      VOLTZ_ADMIN_KEY: options.sandbox.adminKey,
      LNURL_HOST_OVERRIDES: `${options.sandbox.addressDomain}=${options.sandbox.lnurlBaseUrl}`,
      LIGHTNING_NETWORK: 'regtest',
      BOT_API_KEYS: SERVICE_KEYS.bot,
      ADMIN_API_KEYS: SERVICE_KEYS.admin,
      AUDITOR_API_KEYS: SERVICE_KEYS.auditor,
      VOLTZ_TIMEOUT_MS: '1000',
      LNURL_TIMEOUT_MS: '1000',
      PAYMENT_RETRY_BASE_MS: '20',
      PAYMENT_NOT_FOUND_GRACE_MS: '1000',
      FALLBACK_CRON: '0 0 1 1 *',
      DIGEST_CRON: '0 0 1 1 *',
      ...options.env,
    });
    const args = ['--require', REGISTER_TS, SERVICE_MAIN];
    // Node ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing the child.
    const [command, commandArgs] =
      options.fileSizeLimitBlocks === undefined
        ? [process.execPath, args]
        : ['bash', ['-c', `ulimit -f ${options.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, ...args]];
    const child = spawn(command, commandArgs, {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, options.name ?? `service:${port}`, port, options.dataDir);
    live.add(service);
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** Spawn to first ready answer, in ms (includes the TypeScript transpile, cached in node_modules/.cache/register-ts). */
  get startupMs(): number | null {
    return this.readyAt === null ? null : this.readyAt - this.startedAt;
  }

  /** Everything the child wrote so far (stdout and stderr interleaved, oldest dropped beyond a few MB). */
  output(): string {
    return this.chunks.join('');
  }

  tail(chars = 6000): string {
    const all = this.output();
    return all.length > chars ? `...${all.slice(-chars)}` : all;
  }

  /** Sends the signal (SIGKILL by default) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill(signal);
    return this.exited;
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it has not exited within the timeout. */
  async stop(timeoutMs = 10_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') return this.kill('SIGKILL');
    return result;
  }

  /** Synchronous SIGKILL for the process 'exit' hook. */
  killNow(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }

  // ---- HTTP -------------------------------------------------------------

  request<T = any>(
    method: string,
    urlPath: string,
    options: { key?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<HttpResult<T>> {
    return httpJson<T>(`${this.url}${urlPath}`, method, options.key, options.body, options.timeoutMs ?? 30_000);
  }

  /** POST /v1/payouts as the bot. */
  confirm(input: {
    orderId: string;
    endToEndId: string;
    amountSats: number;
    amountCents?: number;
    paidAt?: string;
    destination?: string;
  }): Promise<HttpResult> {
    return this.request('POST', '/v1/payouts', {
      key: SERVICE_KEYS.bot,
      body: {
        orderId: input.orderId,
        pix: { endToEndId: input.endToEndId, amountCents: input.amountCents ?? 5000, paidAt: input.paidAt ?? '2025-07-09T12:00:00Z' },
        amountSats: input.amountSats,
        ...(input.destination !== undefined ? { destination: input.destination } : {}),
      },
    });
  }

  /** GET /v1/payouts/{orderId}: folded from the stream, so always current. */
  getPayout(orderId: string): Promise<HttpResult> {
    return this.request('GET', `/v1/payouts/${orderId}`, { key: SERVICE_KEYS.admin });
  }

  /** The order's stream through the audit API. */
  async auditEvents(orderId: string): Promise<AuditEvent[]> {
    const res = await this.request<{ events: AuditEvent[] }>('GET', `/v1/audit/payouts/${orderId}/events`, { key: SERVICE_KEYS.auditor });
    if (res.status !== 200) throw new Error(`audit events of ${orderId}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.events;
  }

  /** POST /v1/admin/fallback/sweep: one sweep now. */
  async sweep(timeoutMs = 60_000): Promise<SweepSummary> {
    const res = await this.request<SweepSummary>('POST', '/v1/admin/fallback/sweep', { key: SERVICE_KEYS.admin, timeoutMs });
    if (res.status !== 200) throw new Error(`sweep on ${this.name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async fallbackQueue(): Promise<FallbackItem[]> {
    const res = await this.request<{ items: FallbackItem[] }>('GET', '/v1/admin/fallback-queue', { key: SERVICE_KEYS.admin });
    if (res.status !== 200) throw new Error(`fallback queue: HTTP ${res.status}`);
    return res.body.items;
  }

  /** Every payout of the admin list (the read model), all pages. */
  async listPayouts(status?: string): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '500', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      const res: HttpResult<{ items: any[]; nextCursor: string | null }> = await this.request('GET', `/v1/admin/payouts?${query}`, {
        key: SERVICE_KEYS.admin,
      });
      if (res.status !== 200) throw new Error(`list payouts: HTTP ${res.status}`);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  // ---- internals --------------------------------------------------------

  private append(text: string): void {
    this.chunks.push(text);
    this.outputChars += text.length;
    while (this.outputChars > MAX_OUTPUT_CHARS && this.chunks.length > 1) this.outputChars -= this.chunks.shift()!.length;
  }

  private async waitUntilReady(timeoutMs: number, waitFor: 'ready' | 'live'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        throw new Error(`${this.name} exited (${JSON.stringify(this.exitInfo)}) before it was ready:\n${this.tail()}`);
      }
      try {
        const res = await this.request('GET', `/health/${waitFor}`, { timeoutMs: 2000 });
        if (res.status === 200) {
          this.readyAt = Date.now();
          return;
        }
        last = `HTTP ${res.status} ${JSON.stringify(res.body)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await Promise.race([sleep(READY_POLL_MS), this.exited]);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms (${last}):\n${this.tail()}`);
  }
}

/** An audit event as JSON, loosely typed for assertions. */
export interface AuditEvent {
  revision: number;
  position: string;
  id: string;
  type: string;
  data: any;
  metadata: any;
  createdAt: string;
}
export type { SweepSummary } from '../../src/application/ports/payout-metrics.port';
export type { FallbackQueueItem as FallbackItem } from '../../src/application/ports/fallback-queue.port';

/** Stops every child still running (SIGTERM, then SIGKILL): for afterAll, whatever the tests did. */
export async function stopAllServiceProcesses(timeoutMs = 5_000): Promise<void> {
  await Promise.all([...live].map((service) => service.stop(timeoutMs).catch(() => service.kill('SIGKILL'))));
}

export function liveServiceProcessCount(): number {
  return live.size;
}

/** A port nobody listens on right now (the child binds it a moment later; start() retries if it was taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One JSON exchange on a fresh connection (no pooled socket survives a killed child), bounded in time. */
export function httpJson<T = any>(
  url: string,
  method: string,
  key: string | undefined,
  body: unknown,
  timeoutMs: number,
): Promise<HttpResult<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers: {
          Accept: 'application/json',
          ...(key ? { Authorization: `Bearer ${key}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) =>
          reject(new ServiceUnreachableError(`${method} ${url}: ${error.message}`, (error as NodeJS.ErrnoException).code ?? null)),
        );
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : null;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ServiceUnreachableError(`${method} ${url}: ${error.message}`, error.code ?? null));
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
