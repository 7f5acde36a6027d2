import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { mkdirSync } from 'fs';
import { join } from 'path';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { StoreFaults } from '../health/store-faults';
import { POSTGRES_POOL } from '../postgres/postgres.module';
import { EsdbEventStore } from './esdb-event-store';
import { FaultReportingEventStore } from './fault-reporting-event-store';
import { PostgresEventStore } from './postgres-event-store';
import { SqliteEventStore } from './sqlite-event-store';

export const SQLITE_EVENTS_FILE = 'events.sqlite';

function createEventStore(config: AppConfig, clock: Clock, faults: StoreFaults, pool: Pool | null): EventStore {
  return new FaultReportingEventStore(openEventStore(config, clock, pool), faults);
}

function openEventStore(config: AppConfig, clock: Clock, pool: Pool | null): EventStore {
  const logger = new Logger('EventStore');
  if (config.eventStore.kind === 'postgres') {
    logger.log('Event store: PostgreSQL (events, read models and the webhook outbox in the shared database)');
    return new PostgresEventStore({ pool: pool!, url: config.eventStore.url, clock });
  }
  if (config.eventStore.kind === 'esdb') {
    logger.log('Event store: EventStoreDB');
    return new EsdbEventStore({ connectionString: config.eventStore.connectionString, clock });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const filename = join(config.dataDir, SQLITE_EVENTS_FILE);
  logger.log(`Event store: SQLite at ${filename}`);
  return new SqliteEventStore({ filename, clock });
}

/** The configured event store; closed last, when the application shuts down. */
@Global()
@Module({
  providers: [{ provide: EVENT_STORE, useFactory: createEventStore, inject: [APP_CONFIG, CLOCK, StoreFaults, POSTGRES_POOL] }],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
