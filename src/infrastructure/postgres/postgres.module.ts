import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { migratePostgres } from './postgres-migrations';
import { createPostgresPool } from './postgres-pool';

/** The process's one PostgreSQL pool (null unless EVENT_STORE=postgres), on a database already migrated to this build's schema. */
export const POSTGRES_POOL = Symbol('POSTGRES_POOL');

async function openPool(config: AppConfig): Promise<Pool | null> {
  if (config.eventStore.kind !== 'postgres') return null;
  const { url, poolSize } = config.eventStore;
  await migratePostgres(url);
  return createPostgresPool({ url, size: poolSize });
}

/** Global: the event store, the read models and the webhook outbox share the pool. Closed after everything that uses it. */
@Global()
@Module({
  providers: [{ provide: POSTGRES_POOL, useFactory: openPool, inject: [APP_CONFIG] }],
  exports: [POSTGRES_POOL],
})
export class PostgresModule implements OnApplicationShutdown {
  constructor(@Inject(POSTGRES_POOL) private readonly pool: Pool | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }
}
