import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { FallbackQueueItem, FallbackQueueReadModel } from '../../application/ports/fallback-queue.port';
import { FALLBACK_ORDER, FallbackQueueRow, toFallbackItem } from './fallback-queue-row';
import { READ_MODEL_DB } from './read-model-database';

/** Reads the fallback view by its due-time index: a sweep's cost follows the view, not the history. */
@Injectable()
export class SqliteFallbackQueue implements FallbackQueueReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async list(limit: number): Promise<FallbackQueueItem[]> {
    return this.db
      .prepare<[number], FallbackQueueRow>(`SELECT * FROM fallback_queue ${FALLBACK_ORDER} LIMIT ?`)
      .all(limit)
      .map(toFallbackItem);
  }

  async due(now: Date, limit: number): Promise<FallbackQueueItem[]> {
    return this.db
      .prepare<[string, number], FallbackQueueRow>(`SELECT * FROM fallback_queue WHERE next_attempt_at <= ? ${FALLBACK_ORDER} LIMIT ?`)
      .all(now.toISOString(), limit)
      .map(toFallbackItem);
  }
}
