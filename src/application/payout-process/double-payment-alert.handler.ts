import { Inject, Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { PayoutEventsAppended } from '../payouts/handle-payout-command';
import { alertLine } from '../alert-line';
import { PAYOUT_METRICS, PayoutMetrics } from '../ports/payout-metrics.port';

/**
 * docs/architecture.md, rule 8: a double payment is shouted, whoever found it (a status
 * check, a re-check, a late answer). The event is the record; this is the
 * line operators alert on.
 */
@EventsHandler(PayoutEventsAppended)
export class DoublePaymentAlertHandler implements IEventHandler<PayoutEventsAppended> {
  private readonly logger = new Logger(DoublePaymentAlertHandler.name);

  constructor(@Inject(PAYOUT_METRICS) private readonly metrics: PayoutMetrics) {}

  handle(appended: PayoutEventsAppended): void {
    for (const event of appended.events) {
      if (event.type !== 'DoublePaymentDetected') continue;
      const { settledPaymentHash, paymentHash } = event.data;
      this.metrics.doublePaymentDetected();
      this.logger.error(
        alertLine(
          'double_payment',
          `double_payment: order ${appended.orderId} was paid twice (${settledPaymentHash} and ` +
            `${paymentHash}); it needs an admin's acknowledgement`,
          { orderId: appended.orderId, paymentHashes: [settledPaymentHash, paymentHash], correlationId: appended.correlationId },
        ),
      );
    }
  }
}
