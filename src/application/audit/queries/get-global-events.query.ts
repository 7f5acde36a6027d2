import { Query } from '@nestjs/cqrs';
import { AuditEvent } from '../audit-event';

export interface GlobalEventsPage {
  events: AuditEvent[];
  /** Position to pass as `after` for the next page; null when this page reached the end of the log. */
  next: string | null;
}

/** The global log in commit order, paged by position (exclusive). */
export class GetGlobalEventsQuery extends Query<GlobalEventsPage> {
  constructor(
    readonly after: string | null,
    readonly limit: number,
  ) {
    super();
  }
}
