import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { FallbackQueueItem, FallbackQueueReadModel } from '../../application/ports/fallback-queue.port';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { READ_MODEL_DB } from './read-model-database';

interface Row {
  order_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  queued_at: string;
  next_attempt_at: string;
}

const toItem = (row: Row): FallbackQueueItem => ({
  orderId: row.order_id,
  status: row.status as PayoutStatus,
  attempts: row.attempts,
  lastError: row.last_error,
  queuedAt: row.queued_at,
  nextAttemptAt: row.next_attempt_at,
});

/** Reads the fallback view by its due-time index: a sweep's cost follows the view, not the history. */
@Injectable()
export class SqliteFallbackQueue implements FallbackQueueReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  list(limit: number): FallbackQueueItem[] {
    return this.db.prepare<[number], Row>('SELECT * FROM fallback_queue ORDER BY next_attempt_at, order_id LIMIT ?').all(limit).map(toItem);
  }

  due(now: Date, limit: number): FallbackQueueItem[] {
    return this.db
      .prepare<[string, number], Row>('SELECT * FROM fallback_queue WHERE next_attempt_at <= ? ORDER BY next_attempt_at, order_id LIMIT ?')
      .all(now.toISOString(), limit)
      .map(toItem);
  }
}
