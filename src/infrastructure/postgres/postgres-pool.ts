import { Logger } from '@nestjs/common';
import { Pool, type PoolConfig } from 'pg';
import { describeError } from '../../application/describe-error';

export interface PostgresPoolOptions {
  url: string;
  size: number;
  /** Shown in pg_stat_activity: which instance and part holds a connection. */
  applicationName?: string;
}

/**
 * One pool per process for the event store and the read models
 * (docs/architecture.md, "Multi-node"). Connections fail fast while the
 * database is unreachable (requests answer 503, never hang), and a
 * connection that dies is logged or failed to its caller, never an uncaught
 * error that ends the process.
 */
export function createPostgresPool(options: PostgresPoolOptions): Pool {
  const pool = new Pool(postgresClientConfig(options.url, options.applicationName, options.size));
  const logger = new Logger('PostgresPool');
  pool.on('error', (error) => logger.warn(`an idle PostgreSQL connection failed: ${describeError(error)}`));
  // A connection the server ends while it is checked out (a restart, a failover) emits 'error' on the client
  // itself; unheard, that would end the process. Its query fails on its own, and the pool drops the client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Settings shared by pooled and dedicated (LISTEN, lease) connections. */
export function postgresClientConfig(url: string, applicationName = 'pix-lightning-ledger', max?: number): PoolConfig {
  return {
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A statement stuck behind a lock or a dying server must not hold a request forever.
    query_timeout: 30_000,
  };
}
