import { Logger } from '@nestjs/common';
import { StoredEvent } from '../../src/application/ports/event-store.port';
import { VOLTZ_MONITOR_STREAM } from '../../src/domain/streams/stream-names';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';
import { until } from '../support/until';

/**
 * The Voltz monitor and circuit breaker against the real app and the sandbox
 * wallet, whose ground truth (POSTs received, payments made) is the judge.
 * The cron is far in the future: only the breaker's recovery sweeps anything.
 */

const PROBE_INTERVAL_MS = 200;
/** Long enough that no unknown hash is re-sent before the breaker opens, however slow the machine. */
const NOT_FOUND_GRACE_MS = 1_000;
/** Half-open while each invoice probe is out: payments are refused then too. */
const BREAKER_REFUSAL = /^wallet unavailable: circuit breaker (open|half-open) since /;
let sequence = 0;
const newOrderId = (tag: string) => `brk_${tag}_${++sequence}`;

describe('Voltz circuit breaker (real app, sandbox wallet ground truth)', () => {
  let h: PayoutHarness;
  const status = async () => (await h.admin('GET', '/v1/admin/voltz/status')).body;
  const monitorEvents = async (): Promise<StoredEvent[]> => {
    const events: StoredEvent[] = [];
    for await (const event of h.store.readStream(VOLTZ_MONITOR_STREAM)) events.push(event);
    return events;
  };

  const breakerGauge = async (): Promise<string | undefined> => {
    const scrape = await h.request('GET', '/metrics', KEYS.admin);
    return /^pll_voltz_breaker_state (\S+)$/m.exec(scrape.body as string)?.[1];
  };

  beforeAll(async () => {
    // The ALERT line is expected here; keep the test output readable.
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    h = await startPayoutHarness({
      VOLTZ_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
      VOLTZ_BREAKER_THRESHOLD: '5',
      PAYMENT_NOT_FOUND_GRACE_MS: String(NOT_FOUND_GRACE_MS),
    });
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    jest.restoreAllMocks();
  });

  it('GET /v1/admin/voltz/status is for admins only, and shows the start-up probe', async () => {
    expect((await h.request('GET', '/v1/admin/voltz/status', null)).status).toBe(401);
    expect((await h.request('GET', '/v1/admin/voltz/status', KEYS.bot)).status).toBe(403);
    expect((await h.request('GET', '/v1/admin/voltz/status', KEYS.auditor)).status).toBe(403);
    await until('a probe', async () => (await status()).recent.length > 0);
    const answer = await h.admin('GET', '/v1/admin/voltz/status');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      breaker: 'closed',
      since: expect.any(String),
      consecutiveUnknownPosts: 0,
      availabilityLastHour: 1,
    });
    expect(answer.body.recent[0]).toMatchObject({
      at: expect.any(String),
      kind: 'probe',
      ok: true,
      latencyMs: expect.any(Number),
      detail: expect.any(String),
    });
  });

  it(
    'five Cloudflare 520s open it; 20 orders meanwhile make no POST; clearing the faults closes it and all settle, ' +
      'each once, without the cron',
    async () => {
      const lnbits = h.sandbox.lnbits;
      // The incident: Voltz behind Cloudflare answers nothing useful, to payments and to the probes (GET and invoice POST) alike.
      lnbits.injectFault({ endpoint: 'wallet', fault: { kind: 'cloudflare' }, times: 1_000_000 });
      lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false }, times: 1_000_000 });
      const postsBefore = lnbits.postCount();
      const paymentsBefore = lnbits.payments().length;

      const orders = new Map<string, number>();
      const confirm = async (tag: string, sats: number) => {
        const orderId = newOrderId(tag);
        orders.set(orderId, sats);
        expect(
          (await h.confirm(orderId, sats, mintInvoice({ network: 'regtest', amountMsat: sats * 1000, expirySeconds: 3600 }).bolt11)).status,
        ).toBe(201);
        return orderId;
      };
      const first: string[] = [];
      for (let i = 0; i < 5; i++) first.push(await confirm('first', 10_000 + i));
      await until('the breaker to open', async () => (await status()).breaker === 'open');
      // A POST already under way when it opened may still add to the count.
      await h.projectionsCaughtUp();
      const opened = await status();
      const postsAtOpen = lnbits.postCount();
      expect(opened.consecutiveUnknownPosts).toBeGreaterThanOrEqual(5);
      expect(
        opened.recent.filter(
          (s: { kind: string; ok: boolean; detail: string }) => s.kind === 'pay' && !s.ok && s.detail.includes('(Cloudflare 520)'),
        ),
      ).toHaveLength(postsAtOpen - postsBefore);

      const held: string[] = [];
      for (let i = 0; i < 20; i++) held.push(await confirm('held', 20_000 + i));
      await Promise.all(
        held.map((orderId) => h.waitFor(orderId, (s) => s.status === 'RETRY_QUEUED' && BREAKER_REFUSAL.test(s.lastError ?? ''))),
      );
      // Sweeps during the incident: status checks resolve the first orders' unknown hashes (404 past the grace period),
      // after which they are held back too; the held orders write nothing new, sweep after sweep.
      const eventCounts = await Promise.all(held.map(async (orderId) => (await h.events(orderId)).length));
      await until('the first orders to be resolved and held back', async () => {
        expect((await h.admin('POST', '/v1/admin/fallback/sweep')).status).toBe(200);
        const views = await Promise.all(first.map(async (orderId) => (await h.bot('GET', `/v1/payouts/${orderId}`)).body));
        return views.every((view) => view.status === 'RETRY_QUEUED' && BREAKER_REFUSAL.test(view.lastError ?? ''));
      });
      expect(await Promise.all(held.map(async (orderId) => (await h.events(orderId)).length))).toEqual(eventCounts);
      for (const orderId of first) expect((await h.events(orderId)).map((e) => e.type)).toContain('PaymentNotFound');
      await h.projectionsCaughtUp();
      const queue = (await h.admin('GET', '/v1/admin/fallback-queue')).body.items as { orderId: string; lastError: string | null }[];
      for (const orderId of held) expect(queue.find((item) => item.orderId === orderId)?.lastError).toMatch(BREAKER_REFUSAL);
      // The wallet's ground truth: not one POST, not one payment while the breaker was open.
      expect(lnbits.postCount()).toBe(postsAtOpen);
      expect(lnbits.payments()).toHaveLength(paymentsBefore);
      // Open, or half-open in the instant an invoice probe is out (a probe moves no money: the counts above say so).
      expect(['open', 'half_open']).toContain((await status()).breaker);
      expect(await breakerGauge()).toMatch(/^[12]$/);

      lnbits.clearFaults();
      const all = [...first, ...held];
      await Promise.all(all.map((orderId) => h.waitForStatus(orderId, ['SETTLED'], 15_000)));
      expect((await status()).breaker).toBe('closed');
      expect(await breakerGauge()).toBe('0');
      for (const orderId of all) {
        const events = await h.events(orderId);
        expect(events.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
        expect(await h.paidMsat(orderId)).toBe(orders.get(orderId)! * 1000);
      }
      for (const orderId of held) expect((await h.events(orderId)).filter((e) => e.type === 'PaymentAttempted')).toHaveLength(1);
      for (const orderId of first) expect((await h.events(orderId)).filter((e) => e.type === 'PaymentAttempted')).toHaveLength(2);
      expect(lnbits.payments().filter((p) => p.status === 'success')).toHaveLength(paymentsBefore + all.length);

      // Each failed invoice probe half-opened and re-opened it; only the last probe closed it.
      const transitions = await monitorEvents();
      const types = transitions.map((e) => e.type);
      expect(types[0]).toBe('VoltzBreakerOpened');
      expect(types.slice(1)).toEqual([
        ...Array.from({ length: (types.length - 3) / 2 }, () => ['VoltzBreakerHalfOpened', 'VoltzBreakerOpened']).flat(),
        'VoltzBreakerHalfOpened',
        'VoltzBreakerClosed',
      ]);
      expect(transitions[transitions.length - 1].data).toMatchObject({ reason: expect.stringMatching(/^the invoice probe answered/) });
      expect(transitions[0].data).toMatchObject({
        from: 'closed',
        to: 'open',
        consecutiveUnknownPosts: 5,
        threshold: 5,
        instanceId: expect.any(String),
      });
      expect(transitions[0].metadata).toMatchObject({ actor: 'system', schemaVersion: 1, causationId: null });
      const audit = await h.auditor('GET', '/v1/audit/events?limit=1000');
      expect(
        audit.body.events.filter((e: { stream: string }) => e.stream === VOLTZ_MONITOR_STREAM).map((e: { type: string }) => e.type),
      ).toEqual(transitions.map((e) => e.type));
    },
  );
});
