import { IEvent } from '@nestjs/cqrs';
import { PayoutEvent } from '../../domain/payout/payout-events';
import type { LoadedPayout } from './payout-repository';

/** Published in-process after a successful append, so sagas can react at once (correctness never depends on it). */
export class PayoutEventsAppended implements IEvent {
  constructor(
    readonly orderId: string,
    readonly events: PayoutEvent[],
    readonly correlationId: string,
    /** The payout as the append left it, with its revision. */
    readonly payout: LoadedPayout,
  ) {}
}
