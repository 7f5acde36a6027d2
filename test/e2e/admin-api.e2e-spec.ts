import Database from 'better-sqlite3';
import { PayoutView } from '../../src/domain/payout/payout-view';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { orderIdOfPayoutStream } from '../../src/domain/streams/stream-names';
import { LogCheckpoints, WEBHOOKS_CHECKPOINT } from '../../src/infrastructure/log-follower/log-checkpoints';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { READ_MODEL_DB } from '../../src/infrastructure/projections/read-model-database';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { makeTempDir } from '../support/temp-dir';
import { KEYS } from '../support/test-app';
import { TestClock } from '../support/test-clock';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * The admin routes (docs/api.md, "Resources") against the real app: roles, the fallback view,
 * sweeps (their summary and their safety when they run at once, in one
 * instance or two sharing the store), retry, cancel, the payouts list with
 * keyset paging, Voltz diagnostics, and a projection rebuild that must give
 * the live rows back. The app runs on a frozen TestClock: an order is due for
 * the sweep, and a 404 is past the grace period, only when the test says so.
 */
const SECRET = 'whsec_admin_api_0123456789';
const GRACE_MS = 1000;
const DONE: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
let sequence = 0;
const newOrderId = (tag: string) => `adm_${tag}_${++sequence}`;
const mint = (sats: number) => mintInvoice({ network: 'regtest', amountMsat: sats * 1000, expirySeconds: 3600 });
const SUMMARY_ZERO = { examined: 0, settled: 0, retried: 0, stillPending: 0, escalated: 0 };
const summary = (counts: Partial<typeof SUMMARY_ZERO>) => ({ ...SUMMARY_ZERO, ...counts });

describe('Admin API (real app, sandbox wallet over HTTP, frozen TestClock)', () => {
  describe('one instance', () => {
    let h: PayoutHarness;
    let bot: WebhookReceiver;
    const clock = new TestClock();

    const sweep = async () => {
      await h.projectionsCaughtUp();
      const res = await h.admin('POST', '/v1/admin/fallback/sweep');
      expect(res.status).toBe(200);
      return res.body;
    };
    const queue = async (): Promise<Record<string, any>[]> => {
      await h.projectionsCaughtUp();
      const res = await h.admin('GET', '/v1/admin/fallback-queue');
      expect(res.status).toBe(200);
      return res.body.items;
    };
    /** The hash of the order's only payment attempt so far. */
    const attemptedHash = async (orderId: string) => {
      const attempts = (await h.events(orderId)).filter((e) => e.type === 'PaymentAttempted');
      expect(attempts).toHaveLength(1);
      return (attempts[0].data as { paymentHash: string }).paymentHash;
    };

    beforeAll(async () => {
      clock.set(new Date());
      bot = await WebhookReceiver.start(SECRET);
      h = await startPayoutHarness(
        {
          PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
          PAYMENT_RETRY_ATTEMPTS: '4',
          ESCALATE_AFTER_ATTEMPTS: '3',
          BOT_WEBHOOK_URL: bot.url,
          BOT_WEBHOOK_SECRET: SECRET,
        },
        undefined,
        { clock },
      );
    });
    afterEach(() => {
      expect(h.sandbox.lnbits.pendingFaults()).toEqual([]);
      h.sandbox.lnbits.clearFaults();
    });
    afterAll(async () => {
      expect(await h.invariantViolations()).toEqual([]);
      expect(bot.requests((w) => !w.signatureValid)).toEqual([]);
      await h.close();
      await bot.close();
    });

    describe('roles: every admin route is for admin keys only', () => {
      // Three entries each: jest would take a third parameter missing from a row for a `done` callback.
      const routes: [string, string, unknown][] = [
        ['GET', '/v1/admin/fallback-queue', undefined],
        ['GET', '/v1/admin/payouts', undefined],
        ['POST', '/v1/admin/payouts/ord_nobody/retry', undefined],
        ['POST', '/v1/admin/payouts/ord_nobody/cancel', { reason: 'test' }],
        ['POST', '/v1/admin/fallback/sweep', undefined],
        ['GET', '/v1/admin/voltz/diagnostics', undefined],
      ];
      it.each(routes)('%s %s: 401 without a key or with an unknown one, 403 for bot and auditor keys', async (method, path, body) => {
        for (const key of [null, 'not-a-known-key']) {
          const res = await h.request(method, path, key, body);
          expect(res.status).toBe(401);
          expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        }
        for (const key of [KEYS.bot, KEYS.auditor]) {
          const res = await h.request(method, path, key, body);
          expect(res.status).toBe(403);
          expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        }
        // An admin key (alone, or shared with the auditor role) gets through the guard.
        for (const key of [KEYS.admin, KEYS.both]) expect([401, 403]).not.toContain((await h.request(method, path, key, body)).status);
      });
    });

    it('fallback queue item shape; cancel refused while pending; the sweep honours nextAttemptAt; fix, sweep -> settled: 1', async () => {
      const orderId = newOrderId('pending');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending' } });
      await h.confirm(orderId, 21000, h.address('alice'));
      expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
      const hash = await attemptedHash(orderId);
      const retryQueued = (await h.events(orderId)).find((e) => e.type === 'RetryQueued')!;

      const items = await queue();
      expect(items).toHaveLength(1);
      const [item] = items;
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining(['orderId', 'status', 'attempts', 'lastError', 'queuedAt', 'nextAttemptAt']),
      );
      expect(item).toMatchObject({ orderId, status: 'RETRY_QUEUED', attempts: 1, lastError: 'payment pending' });
      expect(item.queuedAt).toMatch(ISO);
      expect(item.nextAttemptAt).toMatch(ISO);
      expect(item.nextAttemptAt).toBe((retryQueued.data as { nextAttemptAt: string }).nextAttemptAt);
      expect(Date.parse(item.nextAttemptAt)).toBeGreaterThan(clock.now().getTime());
      expect(Date.parse(item.queuedAt)).toBeLessThanOrEqual(clock.now().getTime());
      // docs/api.md: lastError is set whenever the status is RETRY_QUEUED.
      expect((await h.bot('GET', `/v1/payouts/${orderId}`)).body).toMatchObject({ status: 'RETRY_QUEUED', lastError: 'payment pending' });
      expect((await bot.next(orderId, 'payout.retry_queued')).body.payout).toMatchObject({ status: 'RETRY_QUEUED' });

      // A payment still pending: cancelling could strand money that is about to move.
      const refused = await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, { reason: 'customer asked' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'payment_in_flight' });

      // Not due yet (the clock has not moved): the sweep leaves it alone.
      expect(await sweep()).toMatchObject(summary({}));

      h.sandbox.lnbits.settlePending(hash);
      clock.advance(1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, settled: 1 }));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      expect(await h.paidMsat(orderId)).toBe(21_000_000);
      expect(await queue()).toEqual([]);

      const settledCancel = await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, { reason: 'too late' });
      expect(settledCancel.status).toBe(409);
      expect(settledCancel.body.code).toBe('already_settled');
      expect((await bot.next(orderId, 'payout.settled')).body.payout).toMatchObject({ status: 'SETTLED', paymentHash: hash });
    });

    it('sweeps count stillPending, then escalated (retry rounds exhausted); admin retry (202) resumes and settles', async () => {
      const orderId = newOrderId('stuck');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending' } });
      await h.confirm(orderId, 9000, h.address('bob'));
      expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
      const hash = await attemptedHash(orderId);

      clock.advance(1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, stillPending: 1 }));
      clock.advance(1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, stillPending: 1 }));
      clock.advance(1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, escalated: 1 }));
      const escalated = await h.bot('GET', `/v1/payouts/${orderId}`);
      expect(escalated.body).toMatchObject({ status: 'NEEDS_ATTENTION', attempts: 1 });
      expect(escalated.body.lastError).toMatch(/still unresolved after 3 retry rounds/);
      expect((await bot.next(orderId, 'payout.needs_attention')).body.payout).toMatchObject({ status: 'NEEDS_ATTENTION' });

      // Escalated, but its payment may still settle: it stays in the view so the hash keeps being checked, and cannot be cancelled.
      expect((await queue()).map((i) => [i.orderId, i.status])).toEqual([[orderId, 'NEEDS_ATTENTION']]);
      expect((await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, { reason: 'give up' })).status).toBe(409);
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      expect(await h.paidMsat(orderId)).toBe(0);

      h.sandbox.lnbits.settlePending(hash);
      const retry = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ orderId });
      const settled = await h.waitFor(orderId, (s) => s.status === 'SETTLED');
      expect(settled.settlement!.paymentHash).toBe(hash);
      const types = (await h.events(orderId)).map((e) => e.type);
      expect(types.slice(types.indexOf('EscalationCleared'))).toEqual(['EscalationCleared', 'PaymentSettled']);
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      expect(await h.paidMsat(orderId)).toBe(9_000_000);
      expect(await queue()).toEqual([]);
    });

    it('a sweep that pays again without settling counts as retried; the next one settles the SAME invoice', async () => {
      const orderId = newOrderId('resend');
      const invoice = mint(5000);
      // Two POSTs lost before reaching the wallet (Cloudflare page, nothing paid).
      h.sandbox.lnbits.injectFault({
        endpoint: 'pay',
        paymentHash: invoice.paymentHash,
        fault: { kind: 'cloudflare', paid: false },
        times: 2,
      });
      await h.confirm(orderId, 5000, invoice.bolt11);
      expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');

      clock.advance(GRACE_MS + 1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, retried: 1 }));
      expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(2);
      expect(await h.paidMsat(orderId)).toBe(0);

      clock.advance(GRACE_MS + 1000);
      expect(await sweep()).toMatchObject(summary({ examined: 1, settled: 1 }));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');
      const types = (await h.events(orderId)).map((e) => e.type);
      expect(types.filter((t) => t === 'PaymentNotFound')).toHaveLength(2);
      expect(types.filter((t) => t === 'PaymentAttempted')).toHaveLength(3);
      expect(await h.paymentHashes(orderId)).toEqual([invoice.paymentHash]);
      expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(3);
      expect(await h.paidMsat(orderId)).toBe(5_000_000);
    });

    it('cancel: 400 without a reason, 200 with one (idempotent), payout.cancelled webhook; 404 for unknown orders', async () => {
      const orderId = newOrderId('cancel');
      expect((await h.confirm(orderId, 4000)).body.status).toBe('AWAITING_DESTINATION');

      for (const body of [undefined, {}, { reason: '' }, { reason: 42 }]) {
        const res = await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, body);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(JSON.stringify(res.body.message)).toContain('reason');
      }
      const cancelled = await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, { reason: 'PIX refunded' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ orderId, status: 'CANCELLED', lastError: 'PIX refunded' });
      const again = await h.admin('POST', `/v1/admin/payouts/${orderId}/cancel`, { reason: 'PIX refunded' });
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('CANCELLED');
      expect((await h.events(orderId)).filter((e) => e.type === 'PayoutCancelled')).toHaveLength(1);
      const cancelEvent = (await h.events(orderId)).find((e) => e.type === 'PayoutCancelled')!;
      expect(cancelEvent.metadata).toMatchObject({ actor: 'admin' });

      const hook = await bot.next(orderId, 'payout.cancelled');
      expect(hook.signatureValid).toBe(true);
      expect(hook.body.id).toBe(cancelEvent.id);
      expect(hook.body.payout).toMatchObject({ orderId, status: 'CANCELLED', lastError: 'PIX refunded' });

      // Cancelled is final for the bot too.
      expect((await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: h.address('carol') })).status).toBe(409);

      expect((await h.admin('POST', '/v1/admin/payouts/ord_unknown_x/cancel', { reason: 'x' })).status).toBe(404);
      expect((await h.admin('POST', '/v1/admin/payouts/ord_unknown_x/retry')).status).toBe(404);
      expect((await h.admin('POST', '/v1/admin/payouts/bad%20id!/retry')).status).toBe(400);
      // Nothing to retry on a cancelled order: a 409 says so rather than a 202 that does nothing.
      const retry = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
      expect(retry.status).toBe(409);
      expect(retry.body.code).toBe('nothing_to_retry');
    });

    it('GET /v1/admin/payouts pages with nextCursor (keyset, ties included) and filters by status', async () => {
      // Five orders awaiting a destination, two of them created at the same instant.
      const fresh: string[] = [];
      for (let i = 0; i < 5; i++) {
        if (i !== 2) clock.advance(1000);
        const orderId = newOrderId('page');
        await h.confirm(orderId, 1000 + i);
        fresh.push(orderId);
      }
      await h.projectionsCaughtUp();

      const pageAll = async (query: string, limit: number) => {
        const seen: PayoutView[] = [];
        const totals = new Set<number>();
        let cursor: string | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const res = await h.admin(
            'GET',
            `/v1/admin/payouts?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(res.status).toBe(200);
          expect(res.body.items.length).toBeLessThanOrEqual(limit);
          seen.push(...res.body.items);
          totals.add(res.body.total);
          cursor = res.body.nextCursor;
          if (cursor === null) {
            // Nothing was added while paging: every page's total is how many rows the paging met.
            expect([...totals]).toEqual([seen.length]);
            return seen;
          }
          expect(res.body.items).toHaveLength(limit);
        }
        throw new Error('paging never ended');
      };

      // Every order exactly once, oldest first (ties by orderId), each row what GET /v1/payouts/{id} says.
      const all = await pageAll('', 2);
      const orderIds: string[] = [];
      for await (const event of h.store.readAll()) if (event.type === 'PixConfirmed') orderIds.push(orderIdOfPayoutStream(event.stream)!);
      expect(all.map((p) => p.orderId).sort()).toEqual([...orderIds].sort());
      const sorted = [...all].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.orderId < b.orderId ? -1 : 1));
      expect(all.map((p) => p.orderId)).toEqual(sorted.map((p) => p.orderId));
      for (const payout of all) expect((await h.bot('GET', `/v1/payouts/${payout.orderId}`)).body).toEqual(payout);
      expect(all.slice(-5).map((p) => p.orderId)).toEqual([...fresh.slice(0, 2), ...fresh.slice(2, 4).sort(), fresh[4]]);

      // The same list whatever the page size.
      expect((await pageAll('', 3)).map((p) => p.orderId)).toEqual(all.map((p) => p.orderId));
      expect((await pageAll('', 500)).map((p) => p.orderId)).toEqual(all.map((p) => p.orderId));
      // Newest first is the same list reversed, ties included; `oldest` is what no `order` means.
      expect((await pageAll('&order=newest', 2)).map((p) => p.orderId)).toEqual(all.map((p) => p.orderId).reverse());
      expect((await pageAll('&order=oldest', 4)).map((p) => p.orderId)).toEqual(all.map((p) => p.orderId));
      const newestAwaiting = await pageAll('&order=newest&status=AWAITING_DESTINATION', 3);
      expect(newestAwaiting.slice(0, 5).map((p) => p.orderId)).toEqual([
        fresh[4],
        ...fresh.slice(2, 4).sort().reverse(),
        fresh[1],
        fresh[0],
      ]);

      const awaiting = await pageAll('&status=AWAITING_DESTINATION', 2);
      expect(awaiting.map((p) => p.orderId)).toEqual(all.filter((p) => p.status === 'AWAITING_DESTINATION').map((p) => p.orderId));
      expect(awaiting.map((p) => p.orderId)).toEqual(expect.arrayContaining(fresh));
      const settled = await pageAll('&status=SETTLED', 1);
      expect(settled.length).toBeGreaterThanOrEqual(3);
      expect(settled.every((p) => p.status === 'SETTLED' && p.settledAt !== null)).toBe(true);
      expect((await pageAll('&status=CANCELLED', 10)).map((p) => p.status)).toEqual(['CANCELLED']);

      for (const bad of ['status=BOGUS', 'limit=0', 'limit=501', 'limit=abc', 'cursor=not-a-cursor', 'order=sideways', 'order=NEWEST']) {
        const res = await h.admin('GET', `/v1/admin/payouts?${bad}`);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.message)).toContain(bad.split('=')[0]);
      }
      expect((await h.admin('GET', '/v1/admin/payouts?order=sideways')).body.code).toBe('invalid_order');
    });

    it('GET /v1/admin/voltz/diagnostics: dns, tcp, wallet (and the rest) ok against the sandbox, never a payment', async () => {
      const posts = h.sandbox.lnbits.postCount();
      const res = await h.admin('GET', '/v1/admin/voltz/diagnostics');
      expect(res.status).toBe(200);
      expect(res.body.verdict).toBe('ok');
      expect(res.body.target).toBe(h.sandbox.lnbitsUrl);
      const checks = Object.fromEntries(res.body.checks.map((c: { name: string }) => [c.name, c]));
      for (const name of ['dns', 'tcp', 'wallet'])
        expect(checks[name]).toMatchObject({ ok: true, ms: expect.any(Number), detail: expect.any(String) });
      expect(res.body.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
      expect(checks.wallet.detail).toContain(String(h.sandbox.lnbits.balanceMsat));
      expect(JSON.stringify(res.body)).not.toContain(h.sandbox.adminKey);
      expect(h.sandbox.lnbits.postCount()).toBe(posts);
    });

    it('projection rebuild from position 0 gives back exactly the live payouts and fallback_queue rows', async () => {
      // More outcomes for the rebuild to reproduce: a FAILED raw BOLT11 and an order left in the fallback view.
      const failedId = newOrderId('failed');
      const dead = mint(3000);
      h.sandbox.lnbits.injectFault({
        endpoint: 'pay',
        paymentHash: dead.paymentHash,
        fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' },
      });
      await h.confirm(failedId, 3000, dead.bolt11);
      expect((await h.waitForStatus(failedId, DONE)).status).toBe('FAILED');
      const queuedId = newOrderId('queued');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending' } });
      await h.confirm(queuedId, 3500, h.address('dan'));
      expect((await h.waitForStatus(queuedId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
      await h.projectionsCaughtUp();

      const db = h.app.app.get<Database.Database>(READ_MODEL_DB);
      const snapshot = () => ({
        payouts: db.prepare('SELECT * FROM payouts ORDER BY order_id').all(),
        fallbackQueue: db.prepare('SELECT * FROM fallback_queue ORDER BY order_id').all(),
      });
      const live = snapshot();
      const liveApi = { payouts: (await h.admin('GET', '/v1/admin/payouts?limit=500')).body, queue: await queue() };
      const statuses = new Set((live.payouts as { status: string }[]).map((row) => row.status));
      for (const status of ['SETTLED', 'FAILED', 'CANCELLED', 'AWAITING_DESTINATION', 'RETRY_QUEUED']) expect(statuses).toContain(status);
      expect(live.fallbackQueue.length).toBeGreaterThan(0);

      const runner = h.app.app.get(ProjectionRunner);
      const webhookFeed = () => h.app.app.get(LogCheckpoints).read(WEBHOOKS_CHECKPOINT);
      const webhookFeedBefore = webhookFeed();
      expect(webhookFeedBefore.exists).toBe(true);
      await runner.rebuild();
      // The outbox is no read model: its feed keeps its place, so no notification is sent again.
      expect(webhookFeed()).toEqual(webhookFeedBefore);
      // Really dropped: nothing has been replayed yet.
      expect(db.prepare('SELECT count(*) AS n FROM payouts').get()).toEqual({ n: 0 });
      await h.projectionsCaughtUp();
      expect(runner.error).toBeNull();

      expect(snapshot()).toEqual(live);
      expect({ payouts: (await h.admin('GET', '/v1/admin/payouts?limit=500')).body, queue: await queue() }).toEqual(liveApi);
    });
  });

  describe('concurrent sweeps over a queue of 10 orders', () => {
    const clock = new TestClock();
    const dir = makeTempDir('pll-admin-sweeps');
    let a: PayoutHarness;
    let b: PayoutHarness;
    const env = { PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS), PAYMENT_RETRY_ATTEMPTS: '4' };

    beforeAll(async () => {
      clock.set(new Date());
      a = await startPayoutHarness(env, dir.path, { clock });
      // A second instance on the same store and read-model file, paying the same wallet: docs/architecture.md, "Sagas and scheduling".
      b = await startPayoutHarness(env, dir.path, { clock, sandbox: a.sandbox });
    });
    afterAll(async () => {
      expect(await a.invariantViolations()).toEqual([]);
      await b.close();
      await a.close();
      dir.remove();
    });

    /**
     * Ten raw BOLT11 orders left in the fallback view with their outcome
     * unknown: even ones never reached the wallet (they must be re-sent, once),
     * odd ones were paid but the answer and then the status endpoint failed
     * (they must settle by status check, never be paid again).
     */
    async function queueTen(tag: string) {
      const orders = Array.from({ length: 10 }, (_, i) => ({
        orderId: newOrderId(`${tag}${i}`),
        sats: 1000 + i,
        invoice: mint(1000 + i),
        paid: i % 2 === 1,
      }));
      for (const o of orders) {
        a.sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: o.invoice.paymentHash, fault: { kind: 'cloudflare', paid: o.paid } });
        if (o.paid)
          a.sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash: o.invoice.paymentHash, fault: { kind: 'cloudflare' }, times: 3 });
      }
      await Promise.all(orders.map((o) => a.confirm(o.orderId, o.sats, o.invoice.bolt11)));
      for (const o of orders) expect((await a.waitForStatus(o.orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
      for (const o of orders) {
        expect(a.sandbox.lnbits.postCount(o.invoice.paymentHash)).toBe(1);
        expect(await a.paidMsat(o.orderId)).toBe(o.paid ? o.sats * 1000 : 0);
      }
      expect(a.sandbox.lnbits.pendingFaults()).toEqual([]);
      clock.advance(GRACE_MS + 1000);
      await a.projectionsCaughtUp();
      await b.projectionsCaughtUp();
      return orders;
    }

    async function expectEachPaidOnce(orders: Awaited<ReturnType<typeof queueTen>>, sweeps: Record<string, number>[]) {
      for (const o of orders) {
        expect((await a.waitForStatus(o.orderId, DONE)).status).toBe('SETTLED');
        expect(await a.paymentHashes(o.orderId)).toEqual([o.invoice.paymentHash]);
        expect(await a.paidMsat(o.orderId)).toBe(o.sats * 1000);
        // Paid ones were never POSTed again; lost ones exactly once more, whoever swept them.
        expect(a.sandbox.lnbits.postCount(o.invoice.paymentHash)).toBe(o.paid ? 1 : 2);
        expect((await a.events(o.orderId)).filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
      }
      for (const s of sweeps) {
        expect(s.examined).toBeLessThanOrEqual(10);
        expect(s.settled + s.retried + s.stillPending + s.escalated + (s.failed ?? 0)).toBe(s.examined);
      }
      expect(sweeps.reduce((n, s) => n + s.examined, 0)).toBeGreaterThanOrEqual(10);
      await a.projectionsCaughtUp();
      expect((await a.admin('GET', '/v1/admin/fallback-queue')).body.items).toEqual([]);
      expect((await a.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 0 });
    }

    it('two HTTP sweeps at once on one instance: exactly one payment per order', async () => {
      const orders = await queueTen('one');
      const results = await Promise.all([a.admin('POST', '/v1/admin/fallback/sweep'), a.admin('POST', '/v1/admin/fallback/sweep')]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      await expectEachPaidOnce(
        orders,
        results.map((r) => r.body),
      );
    });

    it('two instances sharing the store sweep at once: the claim lets only one of them pay each order', async () => {
      const orders = await queueTen('two');
      const results = await Promise.all([a.admin('POST', '/v1/admin/fallback/sweep'), b.admin('POST', '/v1/admin/fallback/sweep')]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      await expectEachPaidOnce(
        orders,
        results.map((r) => r.body),
      );
    });
  });
});
