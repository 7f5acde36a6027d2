import { Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { PayoutEventType } from '../../domain/payout/payout-events';
import { describeError } from '../describe-error';
import { PayoutEventsAppended } from '../payouts/handle-payout-command';
import { PayoutProcessor } from './payout-processor';

/** Events after which a payout can make progress by itself. */
const ACTIONABLE: ReadonlySet<PayoutEventType> = new Set(['DestinationSubmitted', 'EscalationCleared']);

/**
 * The fast path: a destination just arrived in this process, so pay now rather than at the next sweep. It is only a
 * shortcut — the fallback view and the scheduled sweep carry every order that this misses (a crash, a restart,
 * another instance's append).
 */
@EventsHandler(PayoutEventsAppended)
export class PayoutFastPath implements IEventHandler<PayoutEventsAppended> {
  private readonly logger = new Logger(PayoutFastPath.name);

  constructor(private readonly processor: PayoutProcessor) {}

  handle(appended: PayoutEventsAppended): void {
    if (!appended.events.some((event) => ACTIONABLE.has(event.type))) return;
    this.processor
      .process(appended.orderId, 'event', appended.correlationId, appended.payout)
      .catch((error) =>
        this.logger.error({ msg: 'fast path could not advance order', orderId: appended.orderId, error: describeError(error) }),
      );
  }
}
