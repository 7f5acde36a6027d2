import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS, TestApp, startTestApp } from '../support/test-app';

/**
 * /metrics scraped over HTTP after real payouts through the sandbox wallet:
 * the counters move as the orders did, and only admin and metrics keys read it.
 */

const METRICS_KEY = 'metrics-key-0123456789abcdefgh';
const DONE: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];
let sequence = 0;
const newOrderId = (tag: string) => `met_${tag}_${++sequence}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format (0.0.4), as a scraper reads it. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels` (0 when there are none). */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('Prometheus metrics (real app, sandbox wallet over HTTP)', () => {
  let h: PayoutHarness;

  const scrape = async (key: string = METRICS_KEY): Promise<Sample[]> => {
    await h.projectionsCaughtUp();
    const res = await h.request('GET', '/metrics', key);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.body as string);
  };

  beforeAll(async () => {
    h = await startPayoutHarness({
      METRICS_API_KEYS: METRICS_KEY,
      // Enough in-process retries, over long enough, for a 520 before paying to settle without the fallback view.
      VOLTZ_TIMEOUT_MS: '500',
      PAYMENT_NOT_FOUND_GRACE_MS: '500',
      PAYMENT_RETRY_BASE_MS: '20',
      PAYMENT_RETRY_ATTEMPTS: '8',
    });
  });
  afterEach(() => h.sandbox.lnbits.clearFaults());
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
  });

  it(
    'only admin and metrics keys read /metrics (401 without a known key, 403 for other roles); ' + 'a metrics key reads nothing else',
    async () => {
      expect((await h.request('GET', '/metrics', null)).status).toBe(401);
      expect((await h.request('GET', '/metrics', 'not-a-key')).body).toMatchObject({ statusCode: 401, code: 'unknown_api_key' });
      for (const key of [KEYS.bot, KEYS.auditor])
        expect((await h.request('GET', '/metrics', key)).body).toMatchObject({ statusCode: 403, code: 'forbidden_role' });
      for (const key of [METRICS_KEY, KEYS.admin, KEYS.both]) expect((await h.request('GET', '/metrics', key)).status).toBe(200);
      for (const path of ['/v1/admin/fallback-queue', '/v1/payouts/any', '/v1/audit/events']) {
        expect((await h.request('GET', path, METRICS_KEY)).body).toMatchObject({ statusCode: 403, code: 'forbidden_role' });
      }
    },
  );

  it('settled orders, a Cloudflare 520, the fallback view, a sweep and HTTP routes all show in the scrape', async () => {
    const before = await scrape();
    expect(total(before, 'pll_payouts', { status: 'SETTLED' })).toBe(0);

    const plain = [newOrderId('ok'), newOrderId('ok'), newOrderId('ok')];
    await Promise.all(plain.map((orderId) => h.confirm(orderId, 1000, h.address('alice'))));
    for (const orderId of plain) expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');
    // Faults hit the next payment POST: each is injected once nothing else is paying.
    const cloudflare = newOrderId('cf520');
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
    await h.confirm(cloudflare, 2000, h.address('bob'));
    expect((await h.waitForStatus(cloudflare, DONE)).status).toBe('SETTLED');

    // A pending payment keeps its order in the fallback view.
    const queued = newOrderId('pending');
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending' } });
    await h.confirm(queued, 3000, h.address('carol'));
    expect((await h.waitForStatus(queued, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
    expect((await h.admin('POST', '/v1/admin/fallback/sweep')).status).toBe(200);

    const during = await scrape();
    expect(total(during, 'pll_payouts', { status: 'SETTLED' })).toBe(4);
    expect(total(during, 'pll_payouts', { status: 'RETRY_QUEUED' })).toBe(1);
    expect(total(during, 'pll_payouts', { status: 'FAILED' })).toBe(0);
    expect(total(during, 'pll_fallback_queue_depth')).toBe(1);
    expect(total(during, 'pll_fallback_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(during.some((s) => s.name === 'pll_fallback_queue_oldest_age_seconds')).toBe(true);
    expect(total(during, 'pll_voltz_answers_total', { call: 'pay', source_520: 'cloudflare' })).toBe(1);
    expect(total(during, 'pll_voltz_answers_total', { call: 'pay', outcome: 'unknown', source_520: 'cloudflare' })).toBe(1);
    expect(total(during, 'pll_voltz_answers_total', { source_520: 'lnbits' })).toBe(0);
    expect(total(during, 'pll_voltz_answers_total', { call: 'pay', outcome: 'settled' })).toBe(4);
    expect(total(during, 'pll_voltz_answers_total', { call: 'pay', outcome: 'pending' })).toBe(1);
    // The order behind the 520 asked the wallet what became of it before paying again.
    expect(total(during, 'pll_voltz_answers_total', { call: 'status' })).toBeGreaterThanOrEqual(1);
    expect(total(during, 'pll_payout_settle_duration_seconds_count')).toBe(4);
    expect(total(during, 'pll_fallback_sweep_duration_seconds_count')).toBe(1);
    expect(during.some((s) => s.name === 'pll_projection_lag_seconds' && s.labels.follower)).toBe(true);
    expect(total(during, 'pll_projection_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Routes are patterns, never raw URLs with order ids.
    expect(total(during, 'pll_http_requests_total', { method: 'POST', route: '/v1/payouts', status: '201' })).toBe(5);
    // The guard's refusals of the first test count under the route too.
    expect(total(during, 'pll_http_requests_total', { method: 'GET', route: '/metrics', status: '401' })).toBe(2);
    expect(total(during, 'pll_http_requests_total', { method: 'GET', route: '/metrics', status: '403' })).toBe(2);
    expect(during.filter((s) => s.name === 'pll_http_requests_total').every((s) => !/met_/.test(s.labels.route))).toBe(true);
    expect(total(during, 'pll_http_request_duration_seconds_count', { method: 'POST', route: '/v1/payouts' })).toBe(5);
    expect(total(during, 'pll_webhook_deliveries', { state: 'pending' })).toBe(0);
    // prom-client's default process metrics.
    expect(during.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(during.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    // The admin retries the queued order once the wallet has settled it: one more settled, the view empties.
    const hash = ((await h.events(queued)).find((e) => e.type === 'PaymentAttempted')!.data as { paymentHash: string }).paymentHash;
    h.sandbox.lnbits.settlePending(hash);
    expect((await h.admin('POST', `/v1/admin/payouts/${queued}/retry`)).status).toBe(202);
    expect((await h.waitForStatus(queued, DONE)).status).toBe('SETTLED');

    // A reconciliation: its duration is measured and its findings counted by kind (a clean ledger finds none).
    const reconciled = await h.admin('POST', '/v1/admin/reconciliation');
    expect(reconciled.status).toBe(200);

    const after = await scrape(KEYS.admin);
    expect(total(after, 'pll_reconciliation_duration_seconds_count')).toBe(1);
    // The wallet as the monitor's last probe saw it: a funded sandbox wallet is not low.
    expect(total(after, 'pll_wallet_balance_msat')).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'pll_wallet_low')).toBe(true);
    expect(total(after, 'pll_wallet_low')).toBe(0);
    expect(total(after, 'pll_reconciliation_discrepancies_total')).toBe(reconciled.body.discrepancies.length);
    expect(total(after, 'pll_payouts', { status: 'SETTLED' })).toBe(5);
    expect(total(after, 'pll_payouts', { status: 'RETRY_QUEUED' })).toBe(0);
    expect(total(after, 'pll_fallback_queue_depth')).toBe(0);
    expect(total(after, 'pll_fallback_queue_oldest_age_seconds')).toBe(0);
    expect(total(after, 'pll_payout_settle_duration_seconds_count')).toBe(5);
    expect(total(after, 'pll_voltz_answers_total', { source_520: 'cloudflare' })).toBe(1);
    expect(total(after, 'pll_http_requests_total', { method: 'POST', route: '/v1/admin/payouts/:orderId/retry', status: '202' })).toBe(1);
    // A scrape is counted once answered: the one before shows in this one.
    const scrapes = (samples: Sample[]) => total(samples, 'pll_http_requests_total', { method: 'GET', route: '/metrics', status: '200' });
    expect(scrapes(after)).toBe(scrapes(during) + 1);
  });
});

describe('METRICS_ENABLED=false', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_ENABLED: 'false' } });
  });
  afterAll(() => app.close());

  it('answers /metrics with 404 metrics_disabled', async () => {
    const res = await fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${KEYS.admin}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, code: 'metrics_disabled' });
  });
});
