import { JsonLogger } from '../../src/infrastructure/logging/json-logger.service';
import { Clock } from '../../src/application/ports/clock.port';
import { EVENT_STORE, EventStore, StoredEvent } from '../../src/application/ports/event-store.port';
import { PayoutView } from '../../src/domain/payout/payout-view';
import { toPayoutEvent } from '../../src/application/payouts/payout-repository';
import { isPayoutEvent } from '../../src/domain/payout/payout-events';
import { orderIdOfPayoutStream, payoutStreamName } from '../../src/domain/streams/stream-names';
import { Payout, PayoutState, evolve, initialPayoutState } from '../../src/domain/payout/payout-state';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { KEYS, TestApp, startTestApp } from './test-app';

export interface PayoutHarness {
  sandbox: Sandbox;
  app: TestApp;
  store: EventStore;
  address(user: string): string;
  /** POST /v1/payouts as the bot; returns the HTTP status and body. */
  confirm(orderId: string, amountSats: number, destination?: string): Promise<{ status: number; body: PayoutView }>;
  admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Resolves with the folded state once it satisfies the predicate (event-driven, no polling). */
  waitFor(orderId: string, predicate: (state: Payout) => boolean, timeoutMs?: number): Promise<Payout>;
  waitForStatus(orderId: string, statuses: PayoutStatus[], timeoutMs?: number): Promise<Payout>;
  events(orderId: string): Promise<StoredEvent[]>;
  close(): Promise<void>;

  /** The app's clock when one was passed in (a TestClock the test moves by hand), else null (system clock). */
  clock: Clock | null;
  /** Any request with any key (null: no Authorization header); the body is parsed as JSON when it is JSON. */
  request(method: string, path: string, key: string | null, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  bot(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<HttpAnswer>;
  auditor(method: 'GET', path: string): Promise<HttpAnswer>;
  /** Resolves with the first event of the order's stream (already stored or appended later) of that type or matching the predicate. */
  waitForEvent(orderId: string, match: string | ((event: StoredEvent) => boolean), timeoutMs?: number): Promise<StoredEvent>;
  /** Every payment hash the order's stream mentions (submitted or resolved invoices, attempts, outcomes). */
  paymentHashes(orderId: string): Promise<string[]>;
  /** What the sandbox wallet really paid for the order: the sum of paidTotalMsatFor over ALL its payment hashes. */
  paidMsat(orderId: string): Promise<number>;
  /**
   * the invariant of docs/architecture.md against the wallet's ground truth, over every order
   * in the store: each order paid 0 or exactly amountSats*1000 msat (exactly
   * that when SETTLED, through its settlement hash), no hash shared by two
   * orders, and no successful wallet payment that belongs to no order.
   * Returns the violations (empty when it holds).
   */
  invariantViolations(): Promise<string[]>;
  /** Resolves once the projections (payouts, fallback_queue) have applied every event stored so far. */
  projectionsCaughtUp(timeoutMs?: number): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface PayoutHarnessOptions {
  /** The app's logger (a LogCapture's), instead of none. */
  logger?: JsonLogger;
  /** The app's clock (e.g. a TestClock), shared by the sandbox it starts: Lightning Address invoices are minted at that time. */
  clock?: Clock;
  /** Pay into an already running sandbox (a second app instance on the same data dir); close() leaves it running. */
  sandbox?: Sandbox;
}

/** Payment hashes an event's data names: `paymentHash`, and the `invoice` of a submitted or resolved destination. */
function hashesIn(data: Record<string, unknown>): string[] {
  const found: string[] = [];
  if (typeof data.paymentHash === 'string') found.push(data.paymentHash);
  const invoice = data.invoice as { paymentHash?: unknown } | null | undefined;
  if (invoice && typeof invoice.paymentHash === 'string') found.push(invoice.paymentHash);
  return found;
}

let sequence = 0;

/**
 * The real app wired, as in production, to an LNbits-compatible wallet and a
 * Lightning Address server over HTTP on 127.0.0.1 (the sandbox servers, whose
 * ledger is the ground truth of what was paid).
 */
export async function startPayoutHarness(
  env: Record<string, string> = {},
  dataDir?: string,
  options: PayoutHarnessOptions = {},
): Promise<PayoutHarness> {
  const ownSandbox = !options.sandbox;
  const sandbox = options.sandbox ?? (await startSandbox({ network: 'regtest', clock: options.clock }));
  const app = await startTestApp({
    dataDir,
    clock: options.clock,
    logger: options.logger,
    env: {
      VOLTZ_URL: sandbox.lnbitsUrl,
      VOLTZ_ADMIN_KEY: sandbox.adminKey,
      VOLTZ_TIMEOUT_MS: '1000',
      LNURL_HOST_OVERRIDES: `${sandbox.addressDomain}=${sandbox.lnurlBaseUrl}`,
      LNURL_TIMEOUT_MS: '1000',
      PAYMENT_RETRY_BASE_MS: '5',
      PAYMENT_NOT_FOUND_GRACE_MS: '1000',
      FALLBACK_CRON: '0 0 1 1 *',
      DIGEST_CRON: '0 0 1 1 *',
      // Most suites fault order after order on purpose, each fault its own scenario; the breaker would turn
      // them into one Voltz incident. Its own suite (voltz-breaker) and the random-fault run keep it on.
      VOLTZ_BREAKER_THRESHOLD: '1000',
      ...env,
    },
  });
  const store = app.app.get<EventStore>(EVENT_STORE);
  const request = async (
    method: string,
    path: string,
    key: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...(key === null ? {} : { Authorization: `Bearer ${key}` }), 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // not JSON: the raw text is the body
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  const harness: PayoutHarness = {
    sandbox,
    app,
    store,
    address: (user) => `${user}@${sandbox.addressDomain}`,
    confirm: (orderId, amountSats, destination) =>
      request('POST', '/v1/payouts', KEYS.bot, {
        orderId,
        pix: {
          endToEndId: `E${String(++sequence).padStart(12, '0')}${orderId
            .replace(/[^A-Za-z0-9]/g, '')
            .padEnd(19, '0')
            .slice(0, 19)}`,
          amountCents: 5000,
          paidAt: '2025-07-09T12:00:00Z',
        },
        amountSats,
        ...(destination ? { destination } : {}),
      }),
    admin: (method, path, body) => request(method, path, KEYS.admin, body),
    async waitFor(orderId, predicate, timeoutMs = 10_000) {
      let state = initialPayoutState();
      const stream = payoutStreamName(orderId);
      return new Promise<Payout>((resolve, reject) => {
        const timer = setTimeout(() => {
          void subscription.close();
          reject(new Error(`Timed out waiting for ${orderId}; last status ${state.status}`));
        }, timeoutMs);
        const subscription = store.subscribe({ after: null }, (event) => {
          if (event.stream !== stream || !isPayoutEvent(event)) return;
          state = evolve(state, toPayoutEvent(event));
          if (state.status !== 'NONE' && predicate(state)) {
            clearTimeout(timer);
            void subscription.close();
            resolve(state);
          }
        });
      });
    },
    waitForStatus: (orderId, statuses, timeoutMs) => harness.waitFor(orderId, (s) => statuses.includes(s.status), timeoutMs),
    async events(orderId) {
      const events: StoredEvent[] = [];
      for await (const event of store.readStream(payoutStreamName(orderId))) events.push(event);
      return events;
    },
    async close() {
      await app.close();
      if (ownSandbox) await sandbox.close();
    },

    clock: options.clock ?? null,
    request,
    bot: (method, path, body) => request(method, path, KEYS.bot, body),
    auditor: (method, path) => request(method, path, KEYS.auditor),
    waitForEvent(orderId, match, timeoutMs = 10_000) {
      const stream = payoutStreamName(orderId);
      const matches = typeof match === 'string' ? (event: StoredEvent) => event.type === match : match;
      return new Promise<StoredEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          void subscription.close();
          reject(new Error(`Timed out waiting for an event of ${orderId}${typeof match === 'string' ? ` of type ${match}` : ''}`));
        }, timeoutMs);
        const subscription = store.subscribe({ after: null }, (event) => {
          if (event.stream !== stream || !matches(event)) return;
          clearTimeout(timer);
          void subscription.close();
          resolve(event);
        });
      });
    },
    async paymentHashes(orderId) {
      const hashes = new Set<string>();
      for (const event of await harness.events(orderId)) for (const hash of hashesIn(event.data)) hashes.add(hash);
      return [...hashes];
    },
    async paidMsat(orderId) {
      const hashes = await harness.paymentHashes(orderId);
      return hashes.reduce((sum, hash) => sum + sandbox.lnbits.paidTotalMsatFor(hash), 0);
    },
    async invariantViolations() {
      const orders = new Map<string, { state: PayoutState; hashes: Set<string> }>();
      for await (const event of store.readAll()) {
        const orderId = orderIdOfPayoutStream(event.stream);
        if (orderId === null || !isPayoutEvent(event)) continue;
        const order = orders.get(orderId) ?? { state: initialPayoutState(), hashes: new Set<string>() };
        order.state = evolve(order.state, toPayoutEvent(event));
        for (const hash of hashesIn(event.data)) order.hashes.add(hash);
        orders.set(orderId, order);
      }
      const violations: string[] = [];
      const owner = new Map<string, string>();
      for (const [orderId, { state, hashes }] of orders) {
        if (state.status === 'NONE') continue;
        const expected = state.amountSats * 1000;
        const paidHashes = [...hashes].filter((hash) => sandbox.lnbits.paidTotalMsatFor(hash) > 0);
        const paid = paidHashes.reduce((sum, hash) => sum + sandbox.lnbits.paidTotalMsatFor(hash), 0);
        // the invariant of docs/architecture.md allows more only where the wallet misreported and the double payment was caught (rule 8).
        const caught = paidHashes.length > 1 && paidHashes.every((hash) => state.doublePayment?.paymentHashes.includes(hash));
        if (paid !== 0 && paid !== expected && !caught)
          violations.push(`${orderId}: wallet paid ${paid} msat over ${paidHashes.length} hash(es), expected 0 or ${expected}`);
        if (state.status === 'SETTLED' && paid !== expected && !caught)
          violations.push(`${orderId}: SETTLED but the wallet paid ${paid} msat, expected ${expected}`);
        if (state.settlement && sandbox.lnbits.paidTotalMsatFor(state.settlement.paymentHash) !== expected) {
          violations.push(`${orderId}: settled by ${state.settlement.paymentHash}, which the wallet did not pay ${expected} msat`);
        }
        for (const hash of hashes) {
          const other = owner.get(hash);
          if (other !== undefined && other !== orderId) violations.push(`payment hash ${hash} used by ${other} and ${orderId}`);
          owner.set(hash, orderId);
        }
      }
      for (const payment of sandbox.lnbits.payments()) {
        if (payment.status === 'success' && !owner.has(payment.paymentHash))
          violations.push(`wallet paid ${payment.paymentHash} (${payment.amountMsat} msat), which belongs to no order`);
      }
      return violations;
    },
    async projectionsCaughtUp(timeoutMs = 10_000) {
      const head = await store.headPosition();
      if (head === null) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Projections did not reach position ${head} within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([app.app.get(ProjectionRunner).waitFor(head), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return harness;
}
