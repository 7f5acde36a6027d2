import Database from 'better-sqlite3';
import { join } from 'path';
import { Pool } from 'pg';
import { createPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { migratePostgres } from '../../src/infrastructure/postgres/postgres-migrations';
import { PostgresWebhookOutbox } from '../../src/infrastructure/webhook/postgres-webhook-outbox';
import { SqliteWebhookOutbox } from '../../src/infrastructure/webhook/sqlite-webhook-outbox';
import { NewDelivery, WebhookOutbox } from '../../src/infrastructure/webhook/webhook-outbox.port';
import { WebhookOptions } from '../../src/infrastructure/webhook/webhook.options';
import { openReadModelDatabase } from '../../src/infrastructure/projections/read-model-database';
import { TestDatabase, createTestDatabase } from './postgres/test-database';
import { makeTempDir } from './temp-dir';

/**
 * Two service instances' outboxes on one storage: two connections on one
 * SQLite file (two processes sharing a data dir), or two pools on one
 * PostgreSQL database (two machines).
 */
export interface OutboxInstances {
  a: WebhookOutbox;
  b: WebhookOutbox;
  /** Adds rows the way the log follower does: in a transaction of its own, through instance a. */
  insert(deliveries: readonly NewDelivery[], now: Date): Promise<number>;
  /** Empties the outbox (between cases). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface OutboxStorage {
  name: 'SQLite' | 'PostgreSQL';
  open(): Promise<OutboxInstances>;
}

const sqlite: OutboxStorage = {
  name: 'SQLite',
  async open() {
    const dir = makeTempDir('pll-outbox');
    const dbA = openReadModelDatabase(dir.path, 'sqlite');
    const dbB = new Database(join(dir.path, 'events.sqlite'));
    dbB.pragma('busy_timeout = 5000');
    const a = new SqliteWebhookOutbox(dbA);
    return {
      a,
      b: new SqliteWebhookOutbox(dbB),
      insert: async (deliveries, now) => dbA.transaction(() => a.insert(deliveries, now)).immediate(),
      async reset() {
        dbA.exec("DELETE FROM webhook_outbox; DELETE FROM sqlite_sequence WHERE name = 'webhook_outbox'");
      },
      async close() {
        dbA.close();
        dbB.close();
        dir.remove();
      },
    };
  },
};

const postgres: OutboxStorage = {
  name: 'PostgreSQL',
  async open() {
    const database: TestDatabase = await createTestDatabase('pll_outbox');
    await migratePostgres(database.url);
    const poolA: Pool = createPostgresPool({ url: database.url, size: 4, applicationName: 'instance-a' });
    const poolB: Pool = createPostgresPool({ url: database.url, size: 4, applicationName: 'instance-b' });
    const a = new PostgresWebhookOutbox(poolA);
    return {
      a,
      b: new PostgresWebhookOutbox(poolB),
      async insert(deliveries, now) {
        const client = await poolA.connect();
        try {
          await client.query('BEGIN');
          const inserted = await a.insert(client, deliveries, now);
          await client.query('COMMIT');
          return inserted;
        } finally {
          client.release();
        }
      },
      async reset() {
        await poolA.query('TRUNCATE webhook_outbox RESTART IDENTITY');
      },
      async close() {
        await Promise.all([poolA.end(), poolB.end()]);
        await database.drop();
      },
    };
  },
};

export const OUTBOX_STORAGES: readonly OutboxStorage[] = [sqlite, postgres];

/** A dispatcher's options for these tests: fast retries and polls, a lease no test outlives unless its clock moves. */
export function dispatcherTestOptions(url: string, secret: string, leaseMs: number): WebhookOptions {
  return {
    url,
    secret,
    timeoutMs: 2_000,
    retryBaseMs: 20,
    retryMaxDelayMs: 100,
    giveUpAfterMs: 60 * 60_000,
    leaseMs,
    concurrency: 4,
    pollIntervalMs: 50,
    shutdownGraceMs: 1_000,
    random: () => 0.5,
  };
}

/** A row as the feeder would add it for one event (its id is the delivery id). */
export function newDelivery(id: string, orderId: string, position: number, type: NewDelivery['type'] = 'payout.settled'): NewDelivery {
  return { deliveryId: id, orderId, type, eventPosition: String(position), body: JSON.stringify({ id, type, orderId }) };
}
