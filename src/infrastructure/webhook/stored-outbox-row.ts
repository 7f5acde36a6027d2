import { WebhookType } from '../../domain/events/event-catalogue';
import { OutboxRow, OutboxState } from './webhook-outbox.port';

/**
 * An outbox row as both storages name its columns. `Time` is how the driver
 * hands back a time (SQLite: the ISO text written; PostgreSQL: a Date), and
 * seq and audited come back as each driver types them.
 */
export interface StoredOutboxRow<Time> {
  seq: number | string;
  delivery_id: string;
  order_id: string;
  type: string;
  event_position: string;
  body: string;
  state: string;
  attempts: number;
  enqueued_at: Time;
  first_attempt_at: Time | null;
  last_attempt_at: Time | null;
  next_attempt_at: Time;
  last_error: string | null;
  last_http_status: number | null;
  leased_until: Time | null;
  lease_owner: string | null;
  completed_at: Time | null;
  audited: number | boolean;
}

export function toOutboxRow<Time>(raw: StoredOutboxRow<Time>, iso: (time: Time) => string): OutboxRow {
  const isoOrNull = (time: Time | null) => (time === null ? null : iso(time));
  return {
    seq: Number(raw.seq),
    deliveryId: raw.delivery_id,
    orderId: raw.order_id,
    type: raw.type as WebhookType,
    eventPosition: raw.event_position,
    body: raw.body,
    state: raw.state as OutboxState,
    attempts: raw.attempts,
    enqueuedAt: iso(raw.enqueued_at),
    firstAttemptAt: isoOrNull(raw.first_attempt_at),
    lastAttemptAt: isoOrNull(raw.last_attempt_at),
    nextAttemptAt: iso(raw.next_attempt_at),
    lastError: raw.last_error,
    lastHttpStatus: raw.last_http_status,
    leasedUntil: isoOrNull(raw.leased_until),
    leaseOwner: raw.lease_owner,
    completedAt: isoOrNull(raw.completed_at),
    audited: Boolean(raw.audited),
  };
}
