import { EVENT_STORE, EventStore, StoredEvent } from '../../src/application/ports/event-store.port';
import { PayoutView } from '../../src/application/payouts/payout-view';
import { toPayoutEvent } from '../../src/application/payouts/payout-repository';
import { isPayoutEvent, payoutStreamName } from '../../src/domain/payout/payout-events';
import { PayoutState, evolve } from '../../src/domain/payout/payout-state';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
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
  waitFor(orderId: string, predicate: (state: PayoutState) => boolean, timeoutMs?: number): Promise<PayoutState>;
  waitForStatus(orderId: string, statuses: PayoutStatus[], timeoutMs?: number): Promise<PayoutState>;
  events(orderId: string): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

let sequence = 0;

/**
 * The real app wired, as in production, to an LNbits-compatible wallet and a
 * Lightning Address server over HTTP on 127.0.0.1 (the sandbox servers, whose
 * ledger is the ground truth of what was paid).
 */
export async function startPayoutHarness(env: Record<string, string> = {}, dataDir?: string): Promise<PayoutHarness> {
  const sandbox = await startSandbox({ network: 'regtest' });
  const app = await startTestApp({
    dataDir,
    env: {
      VOLTZ_URL: sandbox.lnbitsUrl,
      VOLTZ_ADMIN_KEY: sandbox.adminKey,
      VOLTZ_TIMEOUT_MS: '1000',
      LNURL_HOST_OVERRIDES: `${sandbox.addressDomain}=${sandbox.lnurlBaseUrl}`,
      LNURL_TIMEOUT_MS: '1000',
      PAYMENT_RETRY_BASE_MS: '5',
      PAYMENT_NOT_FOUND_GRACE_MS: '200',
      FALLBACK_CRON: '0 0 1 1 *',
      ...env,
    },
  });
  const store = app.app.get<EventStore>(EVENT_STORE);
  const request = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  const harness: PayoutHarness = {
    sandbox,
    app,
    store,
    address: (user) => `${user}@${sandbox.addressDomain}`,
    confirm: (orderId, amountSats, destination) =>
      request('POST', '/v1/payouts', KEYS.bot, {
        orderId,
        pix: { endToEndId: `E${String(++sequence).padStart(12, '0')}${orderId.replace(/[^A-Za-z0-9]/g, '').padEnd(19, '0').slice(0, 19)}`, amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' },
        amountSats,
        ...(destination ? { destination } : {}),
      }),
    admin: (method, path, body) => request(method, path, KEYS.admin, body),
    async waitFor(orderId, predicate, timeoutMs = 10_000) {
      let state: PayoutState | null = null;
      const stream = payoutStreamName(orderId);
      return new Promise<PayoutState>((resolve, reject) => {
        const timer = setTimeout(() => {
          void subscription.close();
          reject(new Error(`Timed out waiting for ${orderId}; last status ${state?.status}`));
        }, timeoutMs);
        const subscription = store.subscribe({ after: null }, (event) => {
          if (event.stream !== stream || !isPayoutEvent(event)) return;
          state = evolve(state, toPayoutEvent(event));
          if (state && predicate(state)) {
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
      await sandbox.close();
    },
  };
  return harness;
}
