import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { AdminStats, AdminStatsReadModel, SettledTotals } from '../../application/ports/admin-stats.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { ProjectionRunner } from './projection-runner';
import { READ_MODEL_DB } from './read-model-database';

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class SqliteAdminStats implements AdminStatsReadModel {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  async stats(now: Date): Promise<AdminStats> {
    const since = new Date(now.getTime() - DAY_MS).toISOString();
    const byStatus: Partial<Record<PayoutStatus, number>> = {};
    for (const row of this.db
      .prepare<[], { status: PayoutStatus; n: number }>('SELECT status, count(*) AS n FROM payouts GROUP BY status')
      .all()) {
      byStatus[row.status] = row.n;
    }
    const totals = (where: string, ...params: string[]): SettledTotals => {
      const row = this.db
        .prepare<string[], SettledTotals>(
          `SELECT count(*) AS count, coalesce(sum(amount_sats), 0) AS sats, coalesce(sum(fee_msat), 0) AS feeMsat ` +
            `FROM settlements WHERE ${where}`,
        )
        .get(...params)!;
      return { count: row.count, sats: row.sats, feeMsat: row.feeMsat };
    };
    const queue = this.db
      .prepare<[], { depth: number; oldest: string | null }>('SELECT count(*) AS depth, min(queued_at) AS oldest FROM fallback_queue')
      .get()!;
    const voltz520Last24h = { lnbits: 0, cloudflare: 0 };
    for (const row of this.db
      .prepare<[string], { source: 'lnbits' | 'cloudflare'; n: number }>(
        'SELECT source, count(*) AS n FROM voltz_520 WHERE received_at >= ? GROUP BY source',
      )
      .all(since)) {
      voltz520Last24h[row.source] = row.n;
    }
    return {
      byStatus,
      settled: { last24h: totals('settled_at >= ?', since), total: totals('settled_at IS NOT NULL') },
      fallbackQueue: { depth: queue.depth, oldestQueuedAt: queue.oldest },
      voltz520Last24h,
      projectionLagMs: this.runner.follower.status(await this.store.headPosition()).behindForMs,
    };
  }
}
