import type { Pool } from 'pg';
import { AdminStats, AdminStatsReadModel, SettledTotals } from '../../application/ports/admin-stats.port';
import { EventStore } from '../../application/ports/event-store.port';
import { queryRows } from '../postgres/postgres-query';
import { STATS_SQL, statsSince, toAdminStats } from './admin-stats-figures';
import { ProjectionRunner } from './projection-runner';

/** GET /v1/admin/stats from the shared tables; the lag is the shared checkpoint's, whichever instance applies. */
export class PostgresAdminStats implements AdminStatsReadModel {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  async stats(now: Date): Promise<AdminStats> {
    const since = statsSince(now);
    const query = <R extends object>(sql: string, params: unknown[] = []) => queryRows<R>(this.pool, sql.replace('?', '$1'), params);
    // One after the other: an admin page must not take a handful of the pool's connections at once.
    const byStatus = await query<{ status: string; n: number }>(STATS_SQL.byStatus);
    const [settledLast24h] = await query<SettledTotals>(STATS_SQL.settled(STATS_SQL.settledSince), [since]);
    const [settledTotal] = await query<SettledTotals>(STATS_SQL.settled(STATS_SQL.settledEver));
    const [queue] = await query<{ depth: number; oldest: string | null }>(STATS_SQL.queue);
    const voltz520Last24h = await query<{ source: string; n: number }>(STATS_SQL.voltz520Since, [since]);
    const lag = this.runner.follower.status(await this.store.headPosition()).behindForMs;
    return toAdminStats({ byStatus, settledLast24h, settledTotal, queue, voltz520Last24h }, lag);
  }
}
