import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { ADMIN_STATS } from '../../application/ports/admin-stats.port';
import { PAYOUT_READ_MODEL } from '../../application/ports/payout-read-model.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LogCheckpoints } from '../log-follower/log-checkpoints';
import { LogFollowers } from '../log-follower/log-followers';
import { AdminStatsProjection } from './admin-stats.projection';
import { PayoutsProjection } from './payouts.projection';
import { PROJECTIONS } from './projection';
import { ProjectionRunner } from './projection-runner';
import { READ_MODEL_DB, openReadModelDatabase } from './read-model-database';
import { SqliteAdminStats } from './sqlite-admin-stats';
import { SqliteStatsSeries } from './sqlite-stats-series';
import { STATS_SERIES } from '../../application/ports/stats-series.port';
import { SqlitePayoutReadModel } from './sqlite-payout-read-model';

@Global()
@Module({
  providers: [
    {
      provide: READ_MODEL_DB,
      useFactory: (config: AppConfig) => openReadModelDatabase(config.dataDir, config.eventStore.kind),
      inject: [APP_CONFIG],
    },
    { provide: LogCheckpoints, useFactory: (db: Database.Database) => new LogCheckpoints(db), inject: [READ_MODEL_DB] },
    LogFollowers,
    PayoutsProjection,
    AdminStatsProjection,
    { provide: PROJECTIONS, useFactory: (...projections: unknown[]) => projections, inject: [PayoutsProjection, AdminStatsProjection] },
    ProjectionRunner,
    { provide: PAYOUT_READ_MODEL, useClass: SqlitePayoutReadModel },
    { provide: ADMIN_STATS, useClass: SqliteAdminStats },
    { provide: STATS_SERIES, useClass: SqliteStatsSeries },
  ],
  exports: [READ_MODEL_DB, LogCheckpoints, LogFollowers, ProjectionRunner, PAYOUT_READ_MODEL, ADMIN_STATS, STATS_SERIES],
})
export class ProjectionsModule implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  onApplicationShutdown(): void {
    this.db.close();
  }
}
