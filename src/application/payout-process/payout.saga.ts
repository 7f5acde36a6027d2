import { Injectable } from '@nestjs/common';
import { ICommand, IEvent, Saga, ofType } from '@nestjs/cqrs';
import { Observable, filter, map } from 'rxjs';
import { PayoutEventType } from '../../domain/payout/payout-events';
import { PayoutEventsAppended } from '../payouts/payout-events-appended.event';
import { AdvancePayoutCommand } from './advance-payout.command';

/** Events after which a payout can make progress by itself. */
const ACTIONABLE: ReadonlySet<PayoutEventType> = new Set(['DestinationSubmitted', 'EscalationCleared']);

/**
 * The fast path: a destination just arrived in this process, so pay now
 * rather than at the next sweep. It is only a shortcut — the fallback view
 * and the scheduled sweep carry every order that this misses (a crash, a
 * restart, another instance's append).
 */
@Injectable()
export class PayoutSaga {
  @Saga()
  destinationReady = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(PayoutEventsAppended),
      filter((appended) => appended.events.some((event) => ACTIONABLE.has(event.type))),
      map((appended) => new AdvancePayoutCommand(appended.orderId, 'event', appended.correlationId, appended.payout)),
    );
}
