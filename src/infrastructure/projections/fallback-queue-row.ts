import { FallbackQueueItem } from '../../application/ports/fallback-queue.port';
import { PayoutStatus } from '../../domain/payout/payout-status';

/** A `fallback_queue` row as both storages return it. */
export interface FallbackQueueRow {
  order_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  queued_at: string;
  next_attempt_at: string;
}

export const toFallbackItem = (row: FallbackQueueRow): FallbackQueueItem => ({
  orderId: row.order_id,
  status: row.status as PayoutStatus,
  attempts: row.attempts,
  lastError: row.last_error,
  queuedAt: row.queued_at,
  nextAttemptAt: row.next_attempt_at,
});

/** Soonest due first, then by order: what a sweep examines and the admin list shows. */
export const FALLBACK_ORDER = 'ORDER BY next_attempt_at, order_id';
