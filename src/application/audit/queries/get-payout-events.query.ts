import { Query } from '@nestjs/cqrs';
import { AuditEvent } from '../audit-event';

export interface PayoutEvents {
  stream: string;
  events: AuditEvent[];
}

/** One payout stream in stream order, for auditors replaying an order. */
export class GetPayoutEventsQuery extends Query<PayoutEvents> {
  constructor(readonly orderId: string) {
    super();
  }
}
