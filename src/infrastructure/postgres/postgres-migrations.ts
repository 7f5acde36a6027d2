import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { postgresClientConfig } from './postgres-pool';
import { POSTGRES_MIGRATIONS } from './migrations';
import { PostgresMigration } from './migrations/postgres-migration';

/** Any instance may migrate; this lock makes the others wait, then find nothing left to do. */
const MIGRATION_LOCK_KEY = 7_451_983_120_001;

/**
 * Brings the database to the newest schema at start-up (docs/architecture.md,
 * "Multi-node"): each migration runs once, in its own transaction, in version
 * order, recorded in `schema_migrations`; the whole run holds a session
 * advisory lock, so instances starting together on an empty database wait
 * for one another and all come up. A database already migrated by a NEWER
 * build (a version this build does not know) is refused: this build would
 * not understand its rows.
 */
export async function migratePostgres(url: string, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  const logger = new Logger('PostgresMigrations');
  const client = new Client(postgresClientConfig(url, 'pix-lightning-ledger:migrations'));
  // Errors reach the awaiting query; unheard on the client they would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((row) => row.version));
    const known = new Set(migrations.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => !known.has(version));
    if (unknown.length > 0) {
      throw new Error(`the database has schema versions this build does not know (${unknown.join(', ')}): run a newer build`);
    }
    const ran: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      logger.log(`schema migration ${migration.version} (${migration.name}) applied`);
      ran.push(migration.version);
    }
    return ran;
  } finally {
    // Ending the session releases the advisory lock even if the unlock is never sent.
    await client.end().catch(() => undefined);
  }
}
