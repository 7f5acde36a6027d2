import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { payoutStreamName } from '../../../domain/streams/stream-names';
import { ApplicationError } from '../../application-error';
import { EVENT_STORE, EventStore } from '../../ports/event-store.port';
import { AuditEvent, toAuditEvent } from '../audit-event';
import { GetPayoutEventsQuery, PayoutEvents } from './get-payout-events.query';

@QueryHandler(GetPayoutEventsQuery)
export class GetPayoutEventsHandler implements IQueryHandler<GetPayoutEventsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: GetPayoutEventsQuery): Promise<PayoutEvents> {
    const stream = payoutStreamName(query.orderId);
    const events: AuditEvent[] = [];
    for await (const event of this.store.readStream(stream)) events.push(toAuditEvent(event));
    if (events.length === 0) throw new ApplicationError('not_found', `Payout ${query.orderId} not found`, 'order_not_found');
    return { stream, events };
  }
}
