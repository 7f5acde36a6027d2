import { Logger } from '@nestjs/common';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { closeOnceInvariantHeld, eventData, eventsOfType, expectPaidExactlyOnce, orderIdMaker } from '../support/payout-stream-checks';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * A wallet refusing a payout for want of funds: the order waits in the fallback view (the bot hears RETRY_QUEUED),
 * and once the wallet is topped up the SCHEDULED sweep pays the SAME invoice, exactly once.
 */

const newOrderId = orderIdMaker('flt');

describe('Payout faults (real app, sandbox LNbits + LNURL over HTTP, wallet ground truth)', () => {
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
      await closeOnceInvariantHeld(h);
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
      for (const refusal of eventsOfType(await h.events(orderId), 'Payment520').map(eventData)) {
        expect(refusal).toMatchObject({ source: 'lnbits', detail: 'Insufficient balance.', lnbitsStatus: 'failed' });
      }
      expect(eventsOfType(await h.events(orderId), 'PaymentAttempted').length).toBeLessThanOrEqual(1);

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
      const settledEvent = eventsOfType(events, 'PaymentSettled')[0];
      expect(settledEvent.metadata.actor).toBe('system');
      expect(settledEvent.metadata.correlationId).not.toBe(pix.metadata.correlationId);
      // One invoice all along: a refusal before payment never justified a new one.
      expect(eventsOfType(events, 'AddressResolved')).toHaveLength(1);
      expect(await h.paymentHashes(orderId)).toHaveLength(1);
      await expectPaidExactlyOnce(h, orderId, 20000);

      const settledHook = await bot.next(orderId, 'payout.settled');
      expect(settledHook.body.id).toBe(settledEvent.id);
      expect(settledHook.body.payout).toMatchObject({ status: 'SETTLED', paymentHash: eventData(settledEvent).paymentHash });
    });
  });
});
