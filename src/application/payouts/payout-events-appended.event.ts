import { IEvent } from '@nestjs/cqrs';
import { PayoutEvent } from '../../domain/payout/payout-events';

/** Published in-process after a successful append, so sagas can react at once (correctness never depends on it). */
export class PayoutEventsAppended implements IEvent {
  constructor(
    readonly orderId: string,
    readonly events: PayoutEvent[],
    readonly correlationId: string,
  ) {}
}
