import { createHash } from 'crypto';
import { PayFault } from '../../src/infrastructure/sandbox/sandbox-lnbits-faults';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import {
  closeOnceInvariantHeld,
  END_STATUSES,
  epochMs,
  eventData,
  eventsOfType,
  eventTypes,
  expectEveryInjectedFaultUsed,
  expectPaidExactlyOnce,
  mintRegtestInvoice,
  orderIdMaker,
} from '../support/payout-stream-checks';

/**
 * What the sandbox wallet answers to a pay POST — a definite failure, an answer lost after (or before) the money
 * moved, a hang, a pending payment, an old LNbits's bare answer — against the real app over HTTP, judged by the
 * wallet's ground truth: an order is paid exactly once (amountSats * 1000 msat summed over EVERY payment hash its
 * stream names) or not at all, and a hash that could still settle is never replaced.
 */

const newOrderId = orderIdMaker('flt');

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
    afterEach(() => expectEveryInjectedFaultUsed(h));
    afterAll(() => closeOnceInvariantHeld(h));

    it('LNbits JSON 520 "failed": the address gives a new invoice, the dead hash is never re-sent', async () => {
      const orderId = newOrderId('lnbits520');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
      expect((await h.confirm(orderId, 21000, h.address('alice'))).status).toBe(201);
      const state = await h.waitForStatus(orderId, END_STATUSES);
      expect(state.status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(eventTypes(events)).toEqual([
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
      const [first, second] = eventsOfType(events, 'PaymentAttempted').map((e) => eventData(e).paymentHash as string);
      expect(first).not.toBe(second);
      expect(eventData(eventsOfType(events, 'Payment520')[0])).toMatchObject({
        source: 'lnbits',
        httpStatus: 520,
        lnbitsStatus: 'failed',
        paymentHash: first,
        cfRay: null,
      });
      expect(eventData(eventsOfType(events, 'PaymentFailed')[0])).toMatchObject({ paymentHash: first, newInvoiceMayHelp: true });

      // Ground truth: the first hash failed at the wallet and was POSTed once; the new one carried the money.
      expect(h.sandbox.lnbits.postCount(first)).toBe(1);
      expect(h.sandbox.lnbits.payments().find((p) => p.paymentHash === first)?.status).toBe('failed');
      expect(h.sandbox.lnbits.postCount(second)).toBe(1);
      expect(await expectPaidExactlyOnce(h, orderId, 21000)).toBe(second);
    });

    const unknownAfterPaying: [string, PayFault, boolean][] = [
      ['Cloudflare 520 page after paying', { kind: 'cloudflare', paid: true }, true],
      ['Cloudflare 524 page after paying', { kind: 'cloudflare', paid: true, httpStatus: 524 }, true],
      ['connection reset after paying', { kind: 'reset', paid: true }, false],
    ];
    describe.each(['lightning_address', 'bolt11'] as const)('answer lost after the money moved (%s)', (kind) => {
      it.each(unknownAfterPaying)('%s: unknown -> status check -> SETTLED, no second payment', async (_label, fault, is520) => {
        const orderId = newOrderId(kind === 'bolt11' ? 'lostraw' : 'lostln');
        const invoice = mintRegtestInvoice(12000);
        // A raw BOLT11's hash is known up front, so the fault can target it.
        h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault, ...(kind === 'bolt11' ? { paymentHash: invoice.paymentHash } : {}) });
        await h.confirm(orderId, 12000, kind === 'bolt11' ? invoice.bolt11 : h.address('bob'));
        expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');

        const events = await h.events(orderId);
        const attempts = eventsOfType(events, 'PaymentAttempted');
        expect(attempts).toHaveLength(1);
        const hash = eventData(attempts[0]).paymentHash as string;
        const tail = eventTypes(events).slice(eventTypes(events).indexOf('PaymentAttempted'));
        expect(tail).toEqual(
          is520
            ? ['PaymentAttempted', 'Payment520', 'PaymentOutcomeUnknown', 'PaymentSettled']
            : ['PaymentAttempted', 'PaymentOutcomeUnknown', 'PaymentSettled'],
        );
        if (is520) {
          expect(eventData(eventsOfType(events, 'Payment520')[0])).toMatchObject({
            source: 'cloudflare',
            httpStatus: fault.kind === 'cloudflare' ? (fault.httpStatus ?? 520) : 0,
            lnbitsStatus: null,
            detail: null,
          });
          expect(eventData(eventsOfType(events, 'Payment520')[0]).cfRay).toMatch(/^[0-9a-f]{16}-GRU$/);
        }
        expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
        expect(await expectPaidExactlyOnce(h, orderId, 12000)).toBe(hash);
        // The settlement carries the real preimage, learnt from the status endpoint.
        const preimage = eventData(eventsOfType(events, 'PaymentSettled')[0]).preimage as string;
        expect(createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex')).toBe(hash);
        if (kind === 'bolt11') expect(preimage).toBe(invoice.preimage);
      });
    });

    it('Cloudflare 520 before paying: 404 is trusted only after the grace period, then the SAME invoice is re-sent', async () => {
      const orderId = newOrderId('cfunpaid');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
      await h.confirm(orderId, 15000, h.address('carol'));
      expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      const types = eventTypes(events);
      // One invoice for the whole order: no second LNURL callback while the first hash could still settle.
      expect(eventsOfType(events, 'AddressResolved')).toHaveLength(1);
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
      const attemptedAt = epochMs(eventData(eventsOfType(events, 'PaymentAttempted')[0]).attemptedAt);
      const early = eventsOfType(events, 'PaymentStatusChecked').map(eventData);
      for (const check of early) {
        const age = epochMs(check.checkedAt) - attemptedAt;
        expect(check.result).toBe(age < GRACE_MS ? 'not_found_within_grace' : 'not_found_unconfirmed');
      }
      const notFound = eventData(eventsOfType(events, 'PaymentNotFound')[0]);
      expect(epochMs(notFound.checkedAt) - epochMs(notFound.attemptedAt)).toBeGreaterThanOrEqual(GRACE_MS);
      expect(epochMs(notFound.checkedAt) - epochMs(early[0].checkedAt)).toBeGreaterThanOrEqual(GRACE_MS / 4);

      const attempts = eventsOfType(events, 'PaymentAttempted').map(eventData);
      expect(attempts.map((a) => [a.attempt, a.paymentHash])).toEqual([
        [1, hash],
        [2, hash],
      ]);
      expect(h.sandbox.lnbits.postCount(hash)).toBe(2);
      await expectPaidExactlyOnce(h, orderId, 15000);
    });

    it('hang after paying: the client times out (VOLTZ_TIMEOUT_MS) -> unknown -> status check -> SETTLED', async () => {
      const orderId = newOrderId('hang');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'hang' } });
      await h.confirm(orderId, 8000, h.address('dave'));
      expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(eventTypes(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentOutcomeUnknown', 'PaymentSettled']);
      const attempted = eventData(eventsOfType(events, 'PaymentAttempted')[0]);
      const unknown = eventData(eventsOfType(events, 'PaymentOutcomeUnknown')[0]);
      expect(unknown.reason).toMatch(/no answer from the wallet/);
      // The answer was given up on after the configured timeout, not before.
      expect(epochMs(unknown.observedAt) - epochMs(attempted.attemptedAt)).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(h.sandbox.lnbits.postCount(attempted.paymentHash)).toBe(1);
      expect(await expectPaidExactlyOnce(h, orderId, 8000)).toBe(attempted.paymentHash);
    });

    it('201 pending, then settled: resolved by status checks, never by paying again', async () => {
      const orderId = newOrderId('pending');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending', settleAfterChecks: 2 } });
      await h.confirm(orderId, 9000, h.address('erin'));
      expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(eventTypes(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentPending', 'PaymentStatusChecked', 'PaymentSettled']);
      expect(eventData(eventsOfType(events, 'PaymentStatusChecked')[0]).result).toBe('pending');
      const hash = eventData(eventsOfType(events, 'PaymentAttempted')[0]).paymentHash;
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      // The fee is what the wallet charged once the payment finished, not the reserve it held while pending.
      expect(eventData(eventsOfType(events, 'PaymentSettled')[0]).feeMsat).toBe(1000);
      await expectPaidExactlyOnce(h, orderId, 9000);
    });

    it('LNbits 0.12 answer without a status (bare {payment_hash}) is confirmed by a status check, not taken on trust', async () => {
      const orderId = newOrderId('v012');
      h.sandbox.lnbits.setVersion('0.12');
      try {
        await h.confirm(orderId, 7000, h.address('frank'));
        expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');
      } finally {
        h.sandbox.lnbits.setVersion('1.x');
      }
      const events = await h.events(orderId);
      expect(eventTypes(events).slice(3)).toEqual(['PaymentAttempted', 'PaymentPending', 'PaymentSettled']);
      expect(h.sandbox.lnbits.postCount(eventData(eventsOfType(events, 'PaymentAttempted')[0]).paymentHash)).toBe(1);
      await expectPaidExactlyOnce(h, orderId, 7000);
    });

    it('raw BOLT11 failing definitely -> FAILED with lastError; the dead invoice is refused (422); a new BOLT11 settles', async () => {
      const orderId = newOrderId('rawfail');
      const dead = mintRegtestInvoice(11000);
      h.sandbox.lnbits.injectFault({
        endpoint: 'pay',
        paymentHash: dead.paymentHash,
        fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' },
      });
      await h.confirm(orderId, 11000, dead.bolt11);
      expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('FAILED');

      const failed = await h.bot('GET', `/v1/payouts/${orderId}`);
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ status: 'FAILED', paymentHash: dead.paymentHash, attempts: 1, settledAt: null });
      expect(failed.body.lastError).toMatch(/Payment failed/);
      expect(await h.paidMsat(orderId)).toBe(0);

      // LNbits never sends a failed hash again: the bot cannot hand the same invoice back.
      expect((await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: dead.bolt11 })).status).toBe(422);

      const fresh = mintRegtestInvoice(11000);
      const put = await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: fresh.bolt11 });
      expect(put.status).toBe(202);
      expect((await h.waitForStatus(orderId, ['SETTLED', 'NEEDS_ATTENTION'])).status).toBe('SETTLED');

      expect(h.sandbox.lnbits.postCount(dead.paymentHash)).toBe(1);
      expect(h.sandbox.lnbits.postCount(fresh.paymentHash)).toBe(1);
      expect(await expectPaidExactlyOnce(h, orderId, 11000)).toBe(fresh.paymentHash);
      expect((await h.paymentHashes(orderId)).sort()).toEqual([dead.paymentHash, fresh.paymentHash].sort());
    });
  });
});
