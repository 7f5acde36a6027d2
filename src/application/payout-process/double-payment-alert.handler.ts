import { Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { PayoutEventsAppended } from '../payouts/payout-events-appended.event';

/**
 * docs/architecture.md, rule 8: a double payment is shouted, whoever found it (a status
 * check, a re-check, a late answer). The event is the record; this is the
 * line operators alert on.
 */
@EventsHandler(PayoutEventsAppended)
export class DoublePaymentAlertHandler implements IEventHandler<PayoutEventsAppended> {
  private readonly logger = new Logger(DoublePaymentAlertHandler.name);

  handle(appended: PayoutEventsAppended): void {
    for (const event of appended.events) {
      if (event.type !== 'DoublePaymentDetected') continue;
      const { settledPaymentHash, paymentHash } = event.data;
      this.logger.error({
        msg:
          `ALERT double_payment: order ${appended.orderId} was paid twice (${settledPaymentHash} and ` +
          `${paymentHash}); it needs an admin's acknowledgement`,
        orderId: appended.orderId,
        paymentHashes: [settledPaymentHash, paymentHash],
        correlationId: appended.correlationId,
      });
    }
  }
}
