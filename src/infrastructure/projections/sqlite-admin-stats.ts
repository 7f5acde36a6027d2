import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { AdminStats, AdminStatsReadModel, SettledTotals } from '../../application/ports/admin-stats.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { STATS_SQL, statsSince, toAdminStats } from './admin-stats-figures';
import { ProjectionRunner } from './projection-runner';
import { READ_MODEL_DB } from './read-model-database';

@Injectable()
export class SqliteAdminStats implements AdminStatsReadModel {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  async stats(now: Date): Promise<AdminStats> {
    const since = statsSince(now);
    const settled = (where: string, ...params: string[]) =>
      this.db.prepare<string[], SettledTotals>(STATS_SQL.settled(where)).get(...params)!;
    const figures = {
      byStatus: this.db.prepare<[], { status: string; n: number }>(STATS_SQL.byStatus).all(),
      settledLast24h: settled(STATS_SQL.settledSince, since),
      settledTotal: settled(STATS_SQL.settledEver),
      queue: this.db.prepare<[], { depth: number; oldest: string | null }>(STATS_SQL.queue).get()!,
      voltz520Last24h: this.db.prepare<[string], { source: string; n: number }>(STATS_SQL.voltz520Since).all(since),
    };
    return toAdminStats(figures, this.runner.follower.status(await this.store.headPosition()).behindForMs);
  }
}
