import Database from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { FallbackTimings } from '../../domain/payout/payout-workflow';

/** The timings the fallback view's due times are computed with. */
export type RecordedTimings = FallbackTimings;

const TABLE = 'service_timings';

/**
 * Kept beside the read models they shaped, so `ledger verify` on a copy of
 * the store, run without the service's environment, rebuilds the fallback
 * view with the service's timings instead of reporting the difference.
 */
export function recordTimings(db: Database.Database, timings: RecordedTimings): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), timings TEXT NOT NULL)`);
  db.prepare(`INSERT INTO ${TABLE} (id, timings) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET timings = excluded.timings`).run(
    JSON.stringify(timings),
  );
}

/** What the service last recorded; null from a store it never recorded into. */
export function readTimings(db: Database.Database): RecordedTimings | null {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TABLE);
  if (!exists) return null;
  const row = db.prepare<[], { timings: string }>(`SELECT timings FROM ${TABLE} WHERE id = 1`).get();
  return row ? (JSON.parse(row.timings) as RecordedTimings) : null;
}

/** The same record in the shared PostgreSQL database (every instance writes its own; the last start wins, as with SQLite). */
export async function recordPostgresTimings(pool: Pool, timings: RecordedTimings): Promise<void> {
  await pool.query(`INSERT INTO ${TABLE} (id, timings) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET timings = excluded.timings`, [
    JSON.stringify(timings),
  ]);
}

/** What the instances last recorded in PostgreSQL, read on `client` (inside the caller's snapshot). */
export async function readPostgresTimings(client: PoolClient): Promise<RecordedTimings | null> {
  const { rows } = await client.query<{ timings: string }>(`SELECT timings FROM ${TABLE} WHERE id = 1`);
  return rows.length > 0 ? (JSON.parse(rows[0].timings) as RecordedTimings) : null;
}
