import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { EVENT_STORE, EventStore, InvalidPositionError, comparePositions } from '../../ports/event-store.port';
import { AuditEvent, toAuditEvent } from '../audit-event';
import { GetGlobalEventsQuery, GlobalEventsPage } from './get-global-events.query';

@QueryHandler(GetGlobalEventsQuery)
export class GetGlobalEventsHandler implements IQueryHandler<GetGlobalEventsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: GetGlobalEventsQuery): Promise<GlobalEventsPage> {
    // One event more than asked tells whether another page exists.
    const events: AuditEvent[] = [];
    try {
      for await (const event of this.store.readAll({ after: query.after, limit: query.limit + 1 })) events.push(toAuditEvent(event));
    } catch (error) {
      if (error instanceof InvalidPositionError) throw new ApplicationError('invalid', `after: ${error.message}`, 'invalid_position');
      throw error;
    }
    if (events.length === 0 && query.after !== null) await this.assertNotBeyondHead(query.after);
    const page = events.slice(0, query.limit);
    return { events: page, next: events.length > query.limit ? page[page.length - 1].position : null };
  }

  /** Every position this API hands out is at or before the head, so one beyond it was never handed out. */
  private async assertNotBeyondHead(after: string): Promise<void> {
    // An empty log has no head; only the start of the log lies before it.
    const head = (await this.store.headPosition()) ?? '0';
    if (comparePositions(after, head) > 0) {
      throw new ApplicationError('invalid', `after: ${after} is beyond the newest event of the log`, 'unknown_position');
    }
  }
}
