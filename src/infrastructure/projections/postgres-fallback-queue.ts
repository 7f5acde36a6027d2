import type { Pool } from 'pg';
import { FallbackQueueItem, FallbackQueueReadModel } from '../../application/ports/fallback-queue.port';
import { queryRows } from '../postgres/postgres-query';
import { FALLBACK_ORDER, FallbackQueueRow, toFallbackItem } from './fallback-queue-row';

/** The fallback view in the shared database: every instance's sweep reads the same rows (the claim keeps payouts exactly-once). */
export class PostgresFallbackQueue implements FallbackQueueReadModel {
  constructor(private readonly pool: Pool) {}

  async list(limit: number): Promise<FallbackQueueItem[]> {
    return (await queryRows<FallbackQueueRow>(this.pool, `SELECT * FROM fallback_queue ${FALLBACK_ORDER} LIMIT $1`, [limit])).map(
      toFallbackItem,
    );
  }

  async due(now: Date, limit: number): Promise<FallbackQueueItem[]> {
    const rows = await queryRows<FallbackQueueRow>(
      this.pool,
      `SELECT * FROM fallback_queue WHERE next_attempt_at <= $1 ${FALLBACK_ORDER} LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map(toFallbackItem);
  }
}
