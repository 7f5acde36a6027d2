import { Logger } from '@nestjs/common';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import {
  closeOnceInvariantHeld,
  eventData,
  eventsOfType,
  eventTypes,
  expectPaidExactlyOnce,
  orderIdMaker,
} from '../support/payout-stream-checks';

/**
 * A wallet that keeps failing: after ESCALATE_AFTER_ATTEMPTS the payout waits for a human (NEEDS_ATTENTION, an
 * ALERT, out of the sweep's view); an admin retry resumes it and it settles exactly once.
 */

const newOrderId = orderIdMaker('flt');

describe('Payout faults (real app, sandbox LNbits + LNURL over HTTP, wallet ground truth)', () => {
  describe('escalation (ESCALATE_AFTER_ATTEMPTS=2) and admin retry', () => {
    let h: PayoutHarness;

    beforeAll(async () => {
      h = await startPayoutHarness({ ESCALATE_AFTER_ATTEMPTS: '2' });
    });
    afterAll(async () => {
      await closeOnceInvariantHeld(h);
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
      expect(eventsOfType(events, 'PayoutEscalated')).toHaveLength(1);
      expect(eventsOfType(events, 'PaymentAttempted')).toHaveLength(2);
      expect(alerts).toHaveBeenCalledWith({
        msg: expect.stringMatching(new RegExp(`^ALERT payout ${orderId} needs attention`)),
        alert: 'needs_attention',
        orderId,
      });
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
      const tail = eventTypes(after).slice(eventTypes(after).indexOf('EscalationCleared'));
      expect(tail).toEqual(['EscalationCleared', 'PaymentAttempted', 'PaymentSettled']);
      expect(eventsOfType(after, 'EscalationCleared')[0].metadata).toMatchObject({ actor: 'admin' });
      // Two failed hashes, each POSTed once; the third carried the money.
      for (const hash of (await h.paymentHashes(orderId)).filter(
        (x) => x !== eventData(eventsOfType(after, 'PaymentSettled')[0]).paymentHash,
      )) {
        expect(h.sandbox.lnbits.postCount(hash)).toBeLessThanOrEqual(1);
      }
      await expectPaidExactlyOnce(h, orderId, 16000);
    });
  });
});
