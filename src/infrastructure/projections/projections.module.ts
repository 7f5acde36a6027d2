import { Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { ADMIN_STATS } from '../../application/ports/admin-stats.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { FALLBACK_QUEUE } from '../../application/ports/fallback-queue.port';
import { PAYOUT_READ_MODEL } from '../../application/ports/payout-read-model.port';
import { PAYOUT_SETTINGS, PayoutSettings, payoutPolicy } from '../../application/payout-settings';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ALWAYS_HELD, APPLY_LEASE, ApplyLease } from '../log-follower/apply-lease';
import { FOLLOWER_STORAGE } from '../log-follower/follower-storage';
import { LogCheckpoints } from '../log-follower/log-checkpoints';
import { LogFollowers } from '../log-follower/log-followers';
import { PostgresApplyLease } from '../postgres/postgres-apply-lease';
import { POSTGRES_POOL } from '../postgres/postgres.module';
import { AdminStatsProjection } from './admin-stats.projection';
import { PayoutsProjection } from './payouts.projection';
import { PostgresAdminStats } from './postgres-admin-stats';
import { PostgresAdminStatsProjection } from './postgres-admin-stats.projection';
import { PostgresFallbackQueue } from './postgres-fallback-queue';
import { PostgresPayoutReadModel } from './postgres-payout-read-model';
import { PostgresPayoutsProjection } from './postgres-payouts.projection';
import { PostgresProjectionStorage } from './postgres-projection-storage';
import { ProjectionRunner } from './projection-runner';
import { PROJECTION_STORAGE, ProjectionStorage } from './projection-storage';
import { READ_MODEL_DB, openReadModelDatabase } from './read-model-database';
import { SqliteAdminStats } from './sqlite-admin-stats';
import { recordPostgresTimings, recordTimings } from './recorded-timings';
import { describeError } from '../../application/describe-error';
import { SqliteFallbackQueue } from './sqlite-fallback-queue';
import { SqliteStatsSeries } from './sqlite-stats-series';
import { STATS_SERIES } from '../../application/ports/stats-series.port';
import { PostgresStatsSeries } from './postgres-stats-series';
import { SqlitePayoutReadModel } from './sqlite-payout-read-model';
import { SqliteProjectionStorage } from './sqlite-projection-storage';

/**
 * The read models, where the configured store keeps them: the SQLite
 * read-model file (embedded and EventStoreDB modes), or the shared
 * PostgreSQL database, applied by the instance holding the lease.
 */
@Global()
@Module({
  providers: [
    {
      provide: READ_MODEL_DB,
      // No local file with PostgreSQL: every instance's state is in the shared database.
      useFactory: (config: AppConfig) =>
        config.eventStore.kind === 'postgres' ? null : openReadModelDatabase(config.dataDir, config.eventStore.kind),
      inject: [APP_CONFIG],
    },
    {
      provide: LogCheckpoints,
      useFactory: (db: Database.Database | null) => (db ? new LogCheckpoints(db) : null),
      inject: [READ_MODEL_DB],
    },
    LogFollowers,
    {
      provide: PROJECTION_STORAGE,
      useFactory: (pool: Pool | null, settings: PayoutSettings, db: Database.Database | null, checkpoints: LogCheckpoints | null) =>
        pool
          ? new PostgresProjectionStorage(pool, [new PostgresPayoutsProjection(settings), new PostgresAdminStatsProjection()])
          : new SqliteProjectionStorage(db!, [new PayoutsProjection(settings), new AdminStatsProjection()], checkpoints!),
      inject: [POSTGRES_POOL, PAYOUT_SETTINGS, READ_MODEL_DB, LogCheckpoints],
    },
    { provide: FOLLOWER_STORAGE, useFactory: (storage: ProjectionStorage<unknown>) => storage.followers, inject: [PROJECTION_STORAGE] },
    {
      provide: APPLY_LEASE,
      useFactory: (config: AppConfig) =>
        config.eventStore.kind === 'postgres' ? new PostgresApplyLease({ url: config.eventStore.url }) : ALWAYS_HELD,
      inject: [APP_CONFIG],
    },
    ProjectionRunner,
    {
      provide: PAYOUT_READ_MODEL,
      useFactory: (pool: Pool | null, db: Database.Database | null) =>
        pool ? new PostgresPayoutReadModel(pool) : new SqlitePayoutReadModel(db!),
      inject: [POSTGRES_POOL, READ_MODEL_DB],
    },
    {
      provide: FALLBACK_QUEUE,
      useFactory: (pool: Pool | null, db: Database.Database | null) =>
        pool ? new PostgresFallbackQueue(pool) : new SqliteFallbackQueue(db!),
      inject: [POSTGRES_POOL, READ_MODEL_DB],
    },
    {
      provide: ADMIN_STATS,
      useFactory: (pool: Pool | null, db: Database.Database | null, store: EventStore, runner: ProjectionRunner) =>
        pool ? new PostgresAdminStats(pool, store, runner) : new SqliteAdminStats(db!, store, runner),
      inject: [POSTGRES_POOL, READ_MODEL_DB, EVENT_STORE, ProjectionRunner],
    },
    {
      provide: STATS_SERIES,
      useFactory: (pool: Pool | null, db: Database.Database | null) => (pool ? new PostgresStatsSeries(pool) : new SqliteStatsSeries(db!)),
      inject: [POSTGRES_POOL, READ_MODEL_DB],
    },
  ],
  exports: [
    READ_MODEL_DB,
    LogCheckpoints,
    LogFollowers,
    PROJECTION_STORAGE,
    FOLLOWER_STORAGE,
    APPLY_LEASE,
    ProjectionRunner,
    PAYOUT_READ_MODEL,
    FALLBACK_QUEUE,
    ADMIN_STATS,
    STATS_SERIES,
  ],
})
export class ProjectionsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionsModule.name);

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: Database.Database | null,
    @Inject(APPLY_LEASE) private readonly lease: ApplyLease,
    @Inject(POSTGRES_POOL) private readonly pool: Pool | null,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
  ) {}

  /** After the followers have started (they apply once the lease is taken). */
  async onApplicationBootstrap(): Promise<void> {
    await this.recordTimings();
    if (this.lease instanceof PostgresApplyLease) await this.lease.start();
  }

  /**
   * What `ledger verify` rebuilds the fallback view with, beside the read models it shaped. A store that cannot
   * take it (damaged, full, unreachable) is readiness's to report, not a reason not to start.
   */
  private async recordTimings(): Promise<void> {
    const timings = payoutPolicy(this.settings);
    try {
      if (this.pool) await recordPostgresTimings(this.pool, timings);
      else recordTimings(this.db!, timings);
    } catch (error) {
      this.logger.warn(`could not record this instance's timings for ledger verify: ${describeError(error)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lease instanceof PostgresApplyLease) await this.lease.stop();
    this.db?.close();
  }
}
