import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '../../ports/event-store.port';
import { AuditEvent, toAuditEvent } from '../audit-event';
import { GetGlobalEventsQuery, GlobalEventsPage } from './get-global-events.query';

@QueryHandler(GetGlobalEventsQuery)
export class GetGlobalEventsHandler implements IQueryHandler<GetGlobalEventsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: GetGlobalEventsQuery): Promise<GlobalEventsPage> {
    // One event more than asked tells whether another page exists.
    const events: AuditEvent[] = [];
    for await (const event of this.store.readAll({ after: query.after, limit: query.limit + 1 })) events.push(toAuditEvent(event));
    const page = events.slice(0, query.limit);
    return { events: page, next: events.length > query.limit ? page[page.length - 1].position : null };
  }
}
