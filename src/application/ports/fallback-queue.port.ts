import { PayoutStatus } from '../../domain/payout/payout-status';

/** An order the sweep must revisit (the fallback view of docs/architecture.md). */
export interface FallbackQueueItem {
  orderId: string;
  status: PayoutStatus;
  attempts: number;
  lastError: string | null;
  queuedAt: string;
  nextAttemptAt: string;
}

export interface FallbackQueueReadModel {
  /** Every queued order, soonest due first. */
  list(limit: number): Promise<FallbackQueueItem[]>;
  /** Orders due at `now`, soonest first: what one sweep examines. */
  due(now: Date, limit: number): Promise<FallbackQueueItem[]>;
}

export const FALLBACK_QUEUE = Symbol('FALLBACK_QUEUE');
