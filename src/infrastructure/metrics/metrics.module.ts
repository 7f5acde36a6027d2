import { Global, Module } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { NO_METRICS, PAYOUT_METRICS } from '../../application/ports/payout-metrics.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsController } from '../http/metrics.controller';
import { LogFollowers } from '../log-follower/log-followers';
import { POSTGRES_POOL } from '../postgres/postgres.module';
import { READ_MODEL_DB } from '../projections/read-model-database';
import { PrometheusMetrics } from './prometheus-metrics';
import { registerReadModelCollectors } from './read-model-collectors';
import { postgresReadModelGauges, sqliteReadModelGauges } from './read-model-gauges';

/** Global: the wallet decorator and the sweeper report to PAYOUT_METRICS wherever they live. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: PAYOUT_METRICS,
      useFactory: (
        config: AppConfig,
        pool: Pool | null,
        db: Database.Database | null,
        store: EventStore,
        followers: LogFollowers,
        clock: Clock,
      ) => {
        if (!config.metricsEnabled) return NO_METRICS;
        const metrics = new PrometheusMetrics();
        const gauges = pool ? postgresReadModelGauges(pool) : sqliteReadModelGauges(db!);
        registerReadModelCollectors(metrics.registry, { gauges, store, followers, clock });
        return metrics;
      },
      inject: [APP_CONFIG, POSTGRES_POOL, READ_MODEL_DB, EVENT_STORE, LogFollowers, CLOCK],
    },
  ],
  exports: [PAYOUT_METRICS],
})
export class MetricsModule {}
