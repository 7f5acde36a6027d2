import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import {
  closeOnceInvariantHeld,
  END_STATUSES,
  eventData,
  eventsOfType,
  eventTypes,
  expectEveryInjectedFaultUsed,
  expectPaidExactlyOnce,
  mintRegtestInvoice,
  orderIdMaker,
} from '../support/payout-stream-checks';
import { TestClock } from '../support/test-clock';

/**
 * A status endpoint answering 404 for a payment (docs/architecture.md, rule 8), on a frozen TestClock: within the
 * grace period the 404 is only noted (no new invoice, no re-send); after it the SAME invoice is re-sent, unless it
 * expired meanwhile. A 404 that lags longer than the grace period (the money had moved) is made harmless by the
 * wallet's duplicate protection: never paid twice.
 */

const newOrderId = orderIdMaker('flt');

describe('Payout faults (real app, sandbox LNbits + LNURL over HTTP, wallet ground truth)', () => {
  describe('a frozen TestClock: the grace period is exactly what the test says', () => {
    let h: PayoutHarness;
    const clock = new TestClock();
    const GRACE_MS = 1000;

    beforeAll(async () => {
      clock.set(new Date());
      h = await startPayoutHarness({ PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS), PAYMENT_RETRY_ATTEMPTS: '4' }, undefined, { clock });
    });
    afterEach(() => expectEveryInjectedFaultUsed(h));
    afterAll(() => closeOnceInvariantHeld(h));

    it('a 404 from a lagging status endpoint within the grace period is not "never happened": no new invoice, no re-send', async () => {
      const orderId = newOrderId('lag404');
      // The money moves, the answer is lost, and the status endpoint does not know the payment yet (twice).
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
      h.sandbox.lnbits.injectFault({ endpoint: 'status', fault: { kind: 'not_found' }, times: 2 });
      await h.confirm(orderId, 13000, h.address('grace'));
      expect((await h.waitForStatus(orderId, END_STATUSES)).status).toBe('SETTLED');

      const events = await h.events(orderId);
      expect(eventTypes(events).slice(3)).toEqual([
        'PaymentAttempted',
        'Payment520',
        'PaymentOutcomeUnknown',
        'PaymentStatusChecked',
        'PaymentStatusChecked',
        'PaymentSettled',
      ]);
      expect(eventsOfType(events, 'PaymentStatusChecked').map((e) => eventData(e).result)).toEqual([
        'not_found_within_grace',
        'not_found_within_grace',
      ]);
      expect(eventsOfType(events, 'PaymentNotFound')).toEqual([]);
      expect(eventsOfType(events, 'AddressResolved')).toHaveLength(1);
      const hash = eventData(eventsOfType(events, 'PaymentAttempted')[0]).paymentHash;
      expect(h.sandbox.lnbits.postCount(hash)).toBe(1);
      await expectPaidExactlyOnce(h, orderId, 13000);
    });

    it(
      'raw BOLT11, Cloudflare 520 before paying: RETRY_QUEUED within the grace period; ' + 'after it, the sweep re-sends the SAME invoice',
      async () => {
        const orderId = newOrderId('cfraw');
        const invoice = mintRegtestInvoice(14000);
        h.sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: invoice.paymentHash, fault: { kind: 'cloudflare', paid: false } });
        await h.confirm(orderId, 14000, invoice.bolt11);
        const queued = await h.waitForStatus(orderId, ['RETRY_QUEUED', ...END_STATUSES]);
        expect(queued.status).toBe('RETRY_QUEUED');
        expect(queued.lastError).toMatch(/payment not_found/);

        // Within the grace period the 404s were only noted: nothing paid, nothing re-sent, the hash still live.
        let events = await h.events(orderId);
        expect(eventsOfType(events, 'PaymentNotFound')).toEqual([]);
        expect(eventsOfType(events, 'PaymentStatusChecked').map((e) => eventData(e).result)).toEqual([
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
        expect(eventTypes(events).slice(-3)).toEqual(['PaymentNotFound', 'PaymentAttempted', 'PaymentSettled']);
        expect(await h.paymentHashes(orderId)).toEqual([invoice.paymentHash]);
        expect(eventsOfType(events, 'PaymentAttempted').map((e) => eventData(e).paymentHash)).toEqual([
          invoice.paymentHash,
          invoice.paymentHash,
        ]);
        expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(2);
        expect(eventData(eventsOfType(events, 'PaymentSettled')[0]).preimage).toBe(invoice.preimage);
        await expectPaidExactlyOnce(h, orderId, 14000);
      },
    );

    describe('a status endpoint lagging LONGER than the grace period (the 404 was wrong: the money had moved)', () => {
      const orderId = newOrderId('lag404long');
      const invoice = mintRegtestInvoice(6000);

      it('the re-send of the SAME hash is refused by the wallet ("Payment already paid."): SETTLED, never paid twice', async () => {
        h.sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: invoice.paymentHash, fault: { kind: 'cloudflare', paid: true } });
        // Three in-process status checks, then the sweep's: all four say 404 although the wallet paid.
        h.sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash: invoice.paymentHash, fault: { kind: 'not_found' }, times: 4 });
        await h.confirm(orderId, 6000, invoice.bolt11);
        expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...END_STATUSES])).status).toBe('RETRY_QUEUED');
        expect(await h.paidMsat(orderId)).toBe(6_000_000);

        clock.advance(GRACE_MS + 1000);
        await h.projectionsCaughtUp();
        expect((await h.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 1, settled: 1 });

        const events = await h.events(orderId);
        // "Payment already paid." is not trusted as is: it is recorded as pending and a status check settles the order.
        expect(eventTypes(events).slice(-5)).toEqual([
          'PaymentNotFound',
          'PaymentAttempted',
          'Payment520',
          'PaymentPending',
          'PaymentSettled',
        ]);
        expect(eventsOfType(events, 'Payment520').map((e) => eventData(e).source)).toEqual(['cloudflare', 'lnbits']);
        expect(eventData(eventsOfType(events, 'Payment520')[1])).toMatchObject({
          attempt: 2,
          detail: 'Payment already paid.',
          lnbitsStatus: 'success',
        });
        // Re-sending the same hash (never a new invoice) is what made the wrong 404 harmless.
        expect(await h.paymentHashes(orderId)).toEqual([invoice.paymentHash]);
        expect(h.sandbox.lnbits.postCount(invoice.paymentHash)).toBe(2);
        await expectPaidExactlyOnce(h, orderId, 6000);
      });

      it('the settlement learnt after "Payment already paid." carries the real preimage and fee (a status check confirms it)', async () => {
        const view = await h.bot('GET', `/v1/payouts/${orderId}`);
        expect(view.body.status).toBe('SETTLED');
        // docs/lightning.md: never conclude anything from a re-POST, ask the status endpoint;
        // docs/api.md: feeMsat is what the wallet charged.
        const paid = h.sandbox.lnbits.payments().find((p) => p.paymentHash === invoice.paymentHash)!;
        expect(view.body).toMatchObject({ preimage: invoice.preimage, feeMsat: paid.feeMsat });
      });
    });

    it('a hash dead by 404 whose invoice expired meanwhile: the address gives a fresh invoice, paid once', async () => {
      const orderId = newOrderId('expired');
      h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
      await h.confirm(orderId, 4000, h.address('judy'));
      expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...END_STATUSES])).status).toBe('RETRY_QUEUED');
      const [first] = await h.paymentHashes(orderId);

      // Two hours later the sandbox's invoice (one hour of validity) is dead: re-sending it could not pay anyone.
      clock.advance(2 * 3_600_000);
      await h.projectionsCaughtUp();
      expect((await h.admin('POST', '/v1/admin/fallback/sweep')).body).toMatchObject({ examined: 1, settled: 1 });

      const events = await h.events(orderId);
      expect(eventTypes(events).slice(-6)).toEqual([
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
      expect(await expectPaidExactlyOnce(h, orderId, 4000)).not.toBe(first);
    });
  });
});
