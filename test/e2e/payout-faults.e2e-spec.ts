import { Logger } from '@nestjs/common';
import { createHash } from 'crypto';
import { StoredEvent } from '../../src/application/ports/event-store.port';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayFault } from '../../src/infrastructure/sandbox/sandbox-lnbits-faults';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { TestClock } from '../support/test-clock';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Every wallet fault of sandbox-lnbits-faults.ts against the real app over
 * HTTP, judged by the sandbox wallet's ground truth: an order is paid exactly
 * once (amountSats * 1000 msat summed over EVERY payment hash its stream
 * names) or not at all, and a hash that could still settle is never replaced.
 */

const DONE: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];
let sequence = 0;
const newOrderId = (tag: string) => `flt_${tag}_${++sequence}`;
const mint = (sats: number) => mintInvoice({ network: 'regtest', amountMsat: sats * 1000, expirySeconds: 3600 });
const typesOf = (events: StoredEvent[]) => events.map((e) => e.type);
const ofType = (events: StoredEvent[], type: string) => events.filter((e) => e.type === type);
const data = (event: StoredEvent) => event.data as Record<string, any>;
const ms = (iso: unknown) => Date.parse(String(iso));

/** The common tail of every check: the money moved once, through one hash, and that hash is the settlement's. */
async function expectPaidOnce(h: PayoutHarness, orderId: string, amountSats: number): Promise<string> {
  const events = await h.events(orderId);
  const settled = ofType(events, 'PaymentSettled');
  expect(settled).toHaveLength(1);
  const hash = data(settled[0]).paymentHash as string;
  expect(await h.paidMsat(orderId)).toBe(amountSats * 1000);
  expect(h.sandbox.lnbits.paidTotalMsatFor(hash)).toBe(amountSats * 1000);
  for (const other of (await h.paymentHashes(orderId)).filter((x) => x !== hash)) expect(h.sandbox.lnbits.paidTotalMsatFor(other)).toBe(0);
  return hash;
}

describe('Payout faults (real app, sandbox LNbits + LNURL over HTTP, wallet ground truth)', () => {
  describe('system clock, fast in-process retries', () => {
    let h: PayoutHarness;
    // The grace period may not be shorter than the timeout (start-up refuses it).
    const TIMEOUT_MS = 500;
    const GRACE_MS = TIMEOUT_MS;

    beforeAll(async () => {
      h = await startPayoutHarness({
        VOLTZ_TIMEOUT_MS: String(TIMEOUT_MS),
        PAYMENT_RETRY_BASE_MS: '20',
        PAYMENT_RETRY_ATTEMPTS: '8',
        PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
      });
    });
    afterEach(() => {
      // A fault left over would land on the next test's payment.
      expect(h.sandbox.lnbits.pendingFaults()).toEqual([]);
      h.sandbox.lnbits.clearFaults();
    });
    afterAll(async () => {
      expect(await h.invariantViolations()).toEqual([]);
      await h.close();
    });

    it('LNbits JSON 520 "failed": the address gives a new invoice, the dead hash is never re-sent', async () => {
      const orderId = newOrderId('lnbits520');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
      expect((await h.confirm(orderId, 21000, h.address('alice'))).status).toBe(201);
      const state = await h.waitForStatus(orderId, DONE);
      expect(state.status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(typesOf(events)).toEqual([
        'PixConfirmed',
        'DestinationSubmitted',
        'AddressResolved',
        'PaymentAttempted',
        'Payment520',
        'PaymentFailed',
        // docs/architecture.md, rule 8: the dead hash is looked at once more before another hash is claimed.
        'PaymentRechecked',
        'AddressResolved',
        'PaymentAttempted',
        'PaymentSettled',
      ]);
      const [first, second] = ofType(events, 'PaymentAttempted').map((e) => data(e).paymentHash as string);
      expect(first).not.toBe(second);
      expect(data(ofType(events, 'Payment520')[0])).toMatchObject({
        source: 'lnbits',
        httpStatus: 520,
        lnbitsStatus: 'failed',
        paymentHash: first,
        cfRay: null,
      });
      expect(data(ofType(events, 'PaymentFailed')[0])).toMatchObject({ paymentHash: first, newInvoiceMayHelp: true });

      // Ground truth: the first hash failed at the wallet and was POSTed once; the new one carried the money.
      expect(h.sandbox.lnbits.postCount(first)).toBe(1);
      expect(h.sandbox.lnbits.payments().find((p) => p.paymentHash === first)?.status).toBe('failed');
      expect(h.sandbox.lnbits.postCount(second)).toBe(1);
      expect(await expectPaidOnce(h, orderId, 21000)).toBe(second);
    });

    const unknownAfterPaying: [string, PayFault, boolean][] = [
      ['Cloudflare 520 page after paying', { kind: 'cloudflare', paid: true }, true],
      ['Cloudflare 524 page after paying', { kind: 'cloudflare', paid: true, httpStatus: 524 }, true],
      ['connection reset after paying', { kind: 'reset', paid: true }, false],
    ];
    describe.each(['lightning_address', 'bolt11'] as const)('answer lost after the money moved (%s)', (kind) => {
      it.each(unknownAfterPaying)('%s: unknown -> status check -> SETTLED, no second payment', async (_label, fault, is520) => {
        const orderId = newOrderId(kind === 'bolt11' ? 'lostraw' : 'lostln');
        const invoice = mint(12000);
        // A raw BOLT11's hash is known up front, so the fault can target it.
        h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault, ...(kind === 'bolt11' ? { paymentHash: invoice.paymentHash } : {}) });
        await h.confirm(orderId, 12000, kind === 'bolt11' ? invoice.bolt11 : h.address('bob'));
        expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

        const events = await h.events(orderId);
        const attempts = ofType(events, 'PaymentAttempted');
        expect(attempts).toHaveLength(1);
        const hash = data(attempts[0]).paymentHash as string;
        const tail = typesOf(events).slice(typesOf(events).indexOf('PaymentAttempted'));
        expect(tail).toEqual(
          is520
            ? ['PaymentAttempted', 'Payment520', 'PaymentOutcomeUnknown', 'PaymentSettled']
            : ['PaymentAttempted', 'PaymentOutcomeUnknown', 'PaymentSettled'],
        );
        if (is520) {
          expect(data(ofType(events, 'Payment520')[0])).toMatchObject({
            source: 'cloudflare',
            httpStatus: fault.kind === 'cloudflare' ? (fault.httpStatus ?? 520) : 0,
            lnbitsStatus: null,
            detail: null,
          });
          expect(data(ofType(events, 'Payment520')[0]).cfRay).toMatch(/^[0-9a-f]{16}-GRU$/);
        }
        expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
        expect(await expectPaidOnce(h, orderId, 12000)).toBe(hash);
        // The settlement carries the real preimage, learnt from the status endpoint.
        const preimage = data(ofType(events, 'PaymentSettled')[0]).preimage as string;
        expect(createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex')).toBe(hash);
        if (kind === 'bolt11') expect(preimage).toBe(invoice.preimage);
      });
    });

    it('Cloudflare 520 before paying: 404 is trusted only after the grace period, then the SAME invoice is re-sent', async () => {
      const orderId = newOrderId('cfunpaid');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
      await h.confirm(orderId, 15000, h.address('carol'));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      const types = typesOf(events);
      // One invoice for the whole order: no second LNURL callback while the first hash could still settle.
      expect(ofType(events, 'AddressResolved')).toHaveLength(1);
      const hashes = await h.paymentHashes(orderId);
      expect(hashes).toHaveLength(1);
      const [hash] = hashes;
      expect(types.slice(0, 6)).toEqual([
        'PixConfirmed',
        'DestinationSubmitted',
        'AddressResolved',
        'PaymentAttempted',
        'Payment520',
        'PaymentOutcomeUnknown',
      ]);
      expect(types.slice(-3)).toEqual(['PaymentNotFound', 'PaymentAttempted', 'PaymentSettled']);

      // Every 404 before the grace period was only noted, and so was a first one after it; the one that killed the
      // hash came after the grace period, a quarter of the grace or more after an earlier 404 (rule 8). (How many
      // early checks there were depends on the machine's speed: the frozen-clock tests below pin that case down.)
      const attemptedAt = ms(data(ofType(events, 'PaymentAttempted')[0]).attemptedAt);
      const early = ofType(events, 'PaymentStatusChecked').map(data);
      for (const check of early) {
        const age = ms(check.checkedAt) - attemptedAt;
        expect(check.result).toBe(age < GRACE_MS ? 'not_found_within_grace' : 'not_found_unconfirmed');
      }
      const notFound = data(ofType(events, 'PaymentNotFound')[0]);
      expect(ms(notFound.checkedAt) - ms(notFound.attemptedAt)).toBeGreaterThanOrEqual(GRACE_MS);
      expect(ms(notFound.checkedAt) - ms(early[0].checkedAt)).toBeGreaterThanOrEqual(GRACE_MS / 4);

      const attempts = ofType(events, 'PaymentAttempted').map(data);
      expect(attempts.map((a) => [a.attempt, a.paymentHash])).toEqual([
        [1, hash],
        [2, hash],
      ]);
      expect(h.sandbox.lnbits.postCount(hash)).toBe(2);
      await expectPaidOnce(h, orderId, 15000);
    });

    it('hang after paying: the client times out (VOLTZ_TIMEOUT_MS) -> unknown -> status check -> SETTLED', async () => {
      const orderId = newOrderId('hang');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'hang' } });
      await h.confirm(orderId, 8000, h.address('dave'));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(typesOf(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentOutcomeUnknown', 'PaymentSettled']);
      const attempted = data(ofType(events, 'PaymentAttempted')[0]);
      const unknown = data(ofType(events, 'PaymentOutcomeUnknown')[0]);
      expect(unknown.reason).toMatch(/no answer from the wallet/);
      // The answer was given up on after the configured timeout, not before.
      expect(ms(unknown.observedAt) - ms(attempted.attemptedAt)).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(h.sandbox.lnbits.postCount(attempted.paymentHash)).toBe(1);
      expect(await expectPaidOnce(h, orderId, 8000)).toBe(attempted.paymentHash);
    });

    it('201 pending, then settled: resolved by status checks, never by paying again', async () => {
      const orderId = newOrderId('pending');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending', settleAfterChecks: 2 } });
      await h.confirm(orderId, 9000, h.address('erin'));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(typesOf(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentPending', 'PaymentStatusChecked', 'PaymentSettled']);
      expect(data(ofType(events, 'PaymentStatusChecked')[0]).result).toBe('pending');
      const hash = data(ofType(events, 'PaymentAttempted')[0]).paymentHash;
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      // The fee is what the wallet charged once the payment finished, not the reserve it held while pending.
      expect(data(ofType(events, 'PaymentSettled')[0]).feeMsat).toBe(1000);
      await expectPaidOnce(h, orderId, 9000);
    });

    it('LNbits 0.12 answer without a status (bare {payment_hash}) is confirmed by a status check, not taken on trust', async () => {
      const orderId = newOrderId('v012');
      h.sandbox.lnbits.setVersion('0.12');
      try {
        await h.confirm(orderId, 7000, h.address('frank'));
        expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');
      } finally {
        h.sandbox.lnbits.setVersion('1.x');
      }
      const events = await h.events(orderId);
      expect(typesOf(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentPending', 'PaymentSettled']);
      expect(h.sandbox.lnbits.postCount(data(ofType(events, 'PaymentAttempted')[0]).paymentHash)).toBe(1);
      await expectPaidOnce(h, orderId, 7000);
    });

    it('raw BOLT11 failing definitely -> FAILED with lastError; the dead invoice is refused (422); a new BOLT11 settles', async () => {
      const orderId = newOrderId('rawfail');
      const dead = mint(11000);
      h.sandbox.lnbits.injectFault({
        endpoint: 'pay',
        paymentHash: dead.paymentHash,
        fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' },
      });
      await h.confirm(orderId, 11000, dead.bolt11);
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('FAILED');

      const failed = await h.bot('GET', `/v1/payouts/${orderId}`);
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ status: 'FAILED', paymentHash: dead.paymentHash, attempts: 1, settledAt: null });
      expect(failed.body.lastError).toMatch(/Payment failed/);
      expect(await h.paidMsat(orderId)).toBe(0);

      // LNbits never sends a failed hash again: the bot cannot hand the same invoice back.
      expect((await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: dead.bolt11 })).status).toBe(422);

      const fresh = mint(11000);
      const put = await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: fresh.bolt11 });
      expect(put.status).toBe(202);
      expect((await h.waitForStatus(orderId, ['SETTLED', 'NEEDS_ATTENTION'])).status).toBe('SETTLED');

      expect(h.sandbox.lnbits.postCount(dead.paymentHash)).toBe(1);
      expect(h.sandbox.lnbits.postCount(fresh.paymentHash)).toBe(1);
      expect(await expectPaidOnce(h, orderId, 11000)).toBe(fresh.paymentHash);
      expect((await h.paymentHashes(orderId)).sort()).toEqual([dead.paymentHash, fresh.paymentHash].sort());
    });
  });

  describe('a frozen TestClock: the grace period is exactly what the test says', () => {
    let h: PayoutHarness;
    const clock = new TestClock();
    const GRACE_MS = 1000;

    beforeAll(async () => {
      clock.set(new Date());
      h = await startPayoutHarness({ PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS), PAYMENT_RETRY_ATTEMPTS: '4' }, undefined, { clock });
    });
    afterEach(() => {
      expect(h.sandbox.lnbits.pendingFaults()).toEqual([]);
      h.sandbox.lnbits.clearFaults();
    });
    afterAll(async () => {
      expect(await h.invariantViolations()).toEqual([]);
      await h.close();
    });

    it('a 404 from a lagging status endpoint within the grace period is not "never happened": no new invoice, no re-send', async () => {
      const orderId = newOrderId('lag404');
      // The money moves, the answer is lost, and the status endpoint does not know the payment yet (twice).
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
      h.sandbox.lnbits.injectFault({ endpoint: 'status', fault: { kind: 'not_found' }, times: 2 });
      await h.confirm(orderId, 13000, h.address('grace'));
      expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(typesOf(events).slice(3)).toEqual([
        'PaymentAttempted',
        'Payment520',
        'PaymentOutcomeUnknown',
        'PaymentStatusChecked',
        'PaymentStatusChecked',
        'PaymentSettled',
      ]);
      expect(ofType(events, 'PaymentStatusChecked').map((e) => data(e).result)).toEqual([
        'not_found_within_grace',
        'not_found_within_grace',
      ]);
      expect(ofType(events, 'PaymentNotFound')).toEqual([]);
      expect(ofType(events, 'AddressResolved')).toHaveLength(1);
      const hash = data(ofType(events, 'PaymentAttempted')[0]).paymentHash;
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      await expectPaidOnce(h, orderId, 13000);
    });

    it('raw BOLT11, Cloudflare 520 before paying: RETRY_QUEUED within the grace period; after it, the sweep re-sends the SAME invoice', async () => {
      const orderId = newOrderId('cfraw');
      const invoice = mint(14000);
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: invoice.paymentHash, fault: { kind: 'cloudflare', paid: false } });
      await h.confirm(orderId, 14000, invoice.bolt11);
      const queued = await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE]);
      expect(queued.status).toBe('RETRY_QUEUED');
      expect(queued.lastError).toMatch(/payment not_found/);

      // Within the grace period the 404s were only noted: nothing paid, nothing re-sent, the hash still live.
      let events = await h.events(orderId);
      expect(ofType(events, 'PaymentNotFound')).toEqual([]);
      expect(ofType(events, 'PaymentStatusChecked').map((e) => data(e).result)).toEqual([
        'not_found_within_grace',
        'not_found_within_grace',
        'not_found_within_grace',
      ]);
      expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(1);
      expect(await h.paidMsat(orderId)).toBe(0);

      clock.advance(GRACE_MS + 1000);
      await h.projectionsCaughtUp();
      const sweep = await h.admin('POST', '/v1/admin/fallback/sweep');
      expect(sweep.status).toBe(200);
      expect(sweep.body).toMatchObject({ examined: 1, settled: 1, retried: 0, stillPending: 0, escalated: 0 });

      events = await h.events(orderId);
      expect(typesOf(events).slice(-3)).toEqual(['PaymentNotFound', 'PaymentAttempted', 'PaymentSettled']);
      expect(await h.paymentHashes(orderId)).toEqual([invoice.paymentHash]);
      expect(ofType(events, 'PaymentAttempted').map((e) => data(e).paymentHash)).toEqual([invoice.paymentHash, invoice.paymentHash]);
      expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(2);
      expect(data(ofType(events, 'PaymentSettled')[0]).preimage).toBe(invoice.preimage);
      await expectPaidOnce(h, orderId, 14000);
    });

    describe('a status endpoint lagging LONGER than the grace period (the 404 was wrong: the money had moved)', () => {
      const orderId = newOrderId('lag404long');
      const invoice = mint(6000);

      it('the re-send of the SAME hash is refused by the wallet ("Payment already paid."): SETTLED, never paid twice', async () => {
        h.sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: invoice.paymentHash, fault: { kind: 'cloudflare', paid: true } });
        // Three in-process status checks, then the sweep's: all four say 404 although the wallet paid.
        h.sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash: invoice.paymentHash, fault: { kind: 'not_found' }, times: 4 });
        await h.confirm(orderId, 6000, invoice.bolt11);
        expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
        expect(await h.paidMsat(orderId)).toBe(6_000_000);

        clock.advance(GRACE_MS + 1000);
        await h.projectionsCaughtUp();
        expect((await h.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 1, settled: 1 });

        const events = await h.events(orderId);
        // "Payment already paid." is not trusted as is: it is recorded as pending and a status check settles the order.
        expect(typesOf(events).slice(-5)).toEqual([
          'PaymentNotFound',
          'PaymentAttempted',
          'Payment520',
          'PaymentPending',
          'PaymentSettled',
        ]);
        expect(ofType(events, 'Payment520').map((e) => data(e).source)).toEqual(['cloudflare', 'lnbits']);
        expect(data(ofType(events, 'Payment520')[1])).toMatchObject({
          attempt: 2,
          detail: 'Payment already paid.',
          lnbitsStatus: 'success',
        });
        // Re-sending the same hash (never a new invoice) is what made the wrong 404 harmless.
        expect(await h.paymentHashes(orderId)).toEqual([invoice.paymentHash]);
        expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(2);
        await expectPaidOnce(h, orderId, 6000);
      });

      it('the settlement learnt after "Payment already paid." carries the real preimage and fee (a status check confirms it)', async () => {
        const view = await h.bot('GET', `/v1/payouts/${orderId}`);
        expect(view.body.status).toBe('SETTLED');
        // docs/lightning.md: never conclude anything from a re-POST, ask the status endpoint; docs/api.md: feeMsat is what the wallet charged.
        const paid = h.sandbox.lnbits.payments().find((p) => p.paymentHash === invoice.paymentHash)!;
        expect(view.body).toMatchObject({ preimage: invoice.preimage, feeMsat: paid.feeMsat });
      });
    });

    it('a hash dead by 404 whose invoice expired meanwhile: the address gives a fresh invoice, paid once', async () => {
      const orderId = newOrderId('expired');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
      await h.confirm(orderId, 4000, h.address('judy'));
      expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
      const [first] = await h.paymentHashes(orderId);

      // Two hours later the sandbox's invoice (one hour of validity) is dead: re-sending it could not pay anyone.
      clock.advance(2 * 3_600_000);
      await h.projectionsCaughtUp();
      expect((await h.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 1, settled: 1 });

      const events = await h.events(orderId);
      expect(typesOf(events).slice(-6)).toEqual([
        'PaymentNotFound',
        'InvoiceExpired',
        'PaymentRechecked',
        'AddressResolved',
        'PaymentAttempted',
        'PaymentSettled',
      ]);
      const hashes = await h.paymentHashes(orderId);
      expect(hashes).toHaveLength(2);
      expect(h.sandbox.lnbits.postCount(first)).toBe(1);
      expect(h.sandbox.lnbits.paidTotalMsatFor(first)).toBe(0);
      expect(await expectPaidOnce(h, orderId, 4000)).not.toBe(first);
    });
  });

  describe('insufficient balance, then a top-up: settled by the SCHEDULED sweep (FALLBACK_CRON every second)', () => {
    const SECRET = 'whsec_faults_0123456789';
    let h: PayoutHarness;
    let bot: WebhookReceiver;

    beforeAll(async () => {
      bot = await WebhookReceiver.start(SECRET);
      // The refusal marks the wallet short until a probe sees the top-up (issue 15): probe as often as the cron ticks.
      h = await startPayoutHarness({
        FALLBACK_CRON: '* * * * * *',
        VOLTZ_PROBE_INTERVAL_MS: '1000',
        BOT_WEBHOOK_URL: bot.url,
        BOT_WEBHOOK_SECRET: SECRET,
      });
    });
    afterAll(async () => {
      expect(await h.invariantViolations()).toEqual([]);
      await h.close();
      await bot.close();
    });

    it('queues the order, then the cron pays the SAME invoice once the wallet has funds', async () => {
      const orderId = newOrderId('balance');
      h.sandbox.lnbits.setBalance(1000);
      await h.confirm(orderId, 20000, h.address('heidi'));

      // The bot hears about the queued retry; the admin view lists the order.
      const queued = await bot.next(orderId, 'payout.retry_queued');
      expect(queued.signatureValid).toBe(true);
      expect(queued.body.payout).toMatchObject({ orderId, status: 'RETRY_QUEUED' });
      // The wallet is short (issue 15): the gate holds the order back, or, before a probe saw the balance, LNbits refuses it once.
      expect(queued.body.payout.lastError).toMatch(/^wallet short: /);
      await h.projectionsCaughtUp();
      const view = await h.admin('GET', '/v1/admin/fallback-queue');
      expect(view.body.items.map((item: { orderId: string }) => item.orderId)).toContain(orderId);
      expect(await h.paidMsat(orderId)).toBe(0);
      for (const refusal of ofType(await h.events(orderId), 'Payment520').map(data)) {
        expect(refusal).toMatchObject({ source: 'lnbits', detail: 'Insufficient balance.', lnbitsStatus: 'failed' });
      }
      expect(ofType(await h.events(orderId), 'PaymentAttempted').length).toBeLessThanOrEqual(1);

      const steps = jest.spyOn(Logger.prototype, 'log');
      h.sandbox.lnbits.topUp(100_000_000);
      // No HTTP sweep, no admin retry: only a scheduled sweep (the cron's, or the one a probe seeing the top-up runs) can move it now.
      const settled = await h.waitForStatus(orderId, ['SETTLED', 'NEEDS_ATTENTION', 'FAILED'], 8000);
      expect(settled.status).toBe('SETTLED');

      // The paying step ran in a sweep (the processor logs its trigger), and this test never asked for one: the cron did.
      expect(steps).toHaveBeenCalledWith(
        expect.objectContaining({ msg: 'payout step', orderId, trigger: 'sweep', step: 'pay', result: 'stop', reason: 'settled' }),
      );
      steps.mockRestore();

      const events = await h.events(orderId);
      // The settling run is not the bot's request: it carries a correlation id of its own (a sweep's), and the system as actor.
      const [pix] = events;
      const settledEvent = ofType(events, 'PaymentSettled')[0];
      expect(settledEvent.metadata.actor).toBe('system');
      expect(settledEvent.metadata.correlationId).not.toBe(pix.metadata.correlationId);
      // One invoice all along: a refusal before payment never justified a new one.
      expect(ofType(events, 'AddressResolved')).toHaveLength(1);
      expect(await h.paymentHashes(orderId)).toHaveLength(1);
      await expectPaidOnce(h, orderId, 20000);

      const settledHook = await bot.next(orderId, 'payout.settled');
      expect(settledHook.body.id).toBe(settledEvent.id);
      expect(settledHook.body.payout).toMatchObject({ status: 'SETTLED', paymentHash: data(settledEvent).paymentHash });
    });
  });

  describe('escalation (ESCALATE_AFTER_ATTEMPTS=2) and admin retry', () => {
    let h: PayoutHarness;

    beforeAll(async () => {
      h = await startPayoutHarness({ ESCALATE_AFTER_ATTEMPTS: '2' });
    });
    afterAll(async () => {
      expect(await h.invariantViolations()).toEqual([]);
      await h.close();
      jest.restoreAllMocks();
    });

    it('a wallet that keeps failing -> NEEDS_ATTENTION, PayoutEscalated and an ALERT; admin retry resumes and settles once', async () => {
      const alerts = jest.spyOn(Logger.prototype, 'error');
      const orderId = newOrderId('escalate');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' }, times: 100 });
      await h.confirm(orderId, 16000, h.address('ivan'));
      const escalated = await h.waitForStatus(orderId, ['NEEDS_ATTENTION', 'SETTLED']);
      expect(escalated.status).toBe('NEEDS_ATTENTION');
      expect(escalated.lastError).toMatch(/2 payment attempts without settlement/);

      const events = await h.events(orderId);
      expect(ofType(events, 'PayoutEscalated')).toHaveLength(1);
      expect(ofType(events, 'PaymentAttempted')).toHaveLength(2);
      expect(alerts).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^ALERT payout ${orderId} needs attention`)));
      expect(await h.paidMsat(orderId)).toBe(0);

      // Waiting for a human: not in the sweep's view, and a sweep leaves it alone.
      await h.projectionsCaughtUp();
      expect((await h.admin('GET', '/v1/admin/fallback-queue')).body.items).toEqual([]);
      expect((await h.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 0 });
      expect((await h.events(orderId)).length).toBe(events.length);

      // The operator fixes the wallet and asks for a retry.
      h.sandbox.lnbits.clearFaults();
      const retry = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
      expect(retry.status).toBe(202);
      expect(retry.body.orderId).toBe(orderId);
      expect(retry.body.status).not.toBe('NEEDS_ATTENTION');
      // waitFor folds the stream from its start: ask for a state the first escalation never was in.
      const resumed = await h.waitFor(
        orderId,
        (s) => s.status === 'SETTLED' || s.status === 'FAILED' || (s.escalated && s.escalationBaseline.attempts > 0),
      );
      expect(resumed.status).toBe('SETTLED');

      const after = await h.events(orderId);
      const tail = typesOf(after).slice(typesOf(after).indexOf('EscalationCleared'));
      expect(tail).toEqual(['EscalationCleared', 'PaymentAttempted', 'PaymentSettled']);
      expect(ofType(after, 'EscalationCleared')[0].metadata).toMatchObject({ actor: 'admin' });
      // Two failed hashes, each POSTed once; the third carried the money.
      for (const hash of (await h.paymentHashes(orderId)).filter((x) => x !== data(ofType(after, 'PaymentSettled')[0]).paymentHash)) {
        expect(h.sandbox.lnbits.postCount(hash)).toBeLessThanOrEqual(1);
      }
      await expectPaidOnce(h, orderId, 16000);
    });
  });
});
