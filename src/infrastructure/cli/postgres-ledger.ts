import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { describeError } from '../../application/describe-error';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { isPostgresUnavailable } from '../postgres/postgres-errors';
import { createPostgresPool } from '../postgres/postgres-pool';
import { Projection } from '../projections/projection';
import { readPostgresTimings, recordTimings } from '../projections/recorded-timings';
import { UsageError } from './cli-errors';

/** Rows fetched per page when the live read models are copied out. */
const COPY_PAGE = 2_000;

/**
 * The ledger's database for one CLI run. The tool never migrates (an
 * auditor's run writes nothing): a database the service never started on
 * has no ledger, and that is bad usage (exit 2), like a missing SQLite file.
 */
export async function openLedgerDatabase(url: string): Promise<Pool> {
  const pool = createPostgresPool({ url, size: 4, applicationName: 'pix-lightning-ledger:cli' });
  try {
    const { rows } = await pool.query<{ ledger: string | null }>("SELECT to_regclass('events')::text AS ledger");
    if (rows[0].ledger === null)
      throw new UsageError('no ledger in this database (DATABASE_URL): the service creates it at its first start');
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof UsageError) throw error;
    if (isPostgresUnavailable(error)) throw new UsageError(`cannot reach the database (DATABASE_URL): ${describeError(error)}`);
    throw error;
  }
}

/**
 * The live read models as they stood at their checkpoint, copied into a
 * SQLite file so `verify` compares them with its rebuild exactly as it does
 * in SQLite mode. One READ ONLY snapshot: the checkpoint and every row are of
 * the same moment however far the service moves meanwhile, and a read-only
 * transaction takes no transaction id, so the service's followers are never held back.
 */
export async function copyLiveReadModels(pool: Pool, projections: readonly Projection[], file: string): Promise<Database.Database> {
  const copy = new Database(file);
  copy.pragma('journal_mode = OFF');
  copy.pragma('synchronous = OFF');
  for (const projection of projections) projection.setup(copy);
  const checkpoints = new LogCheckpoints(copy);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ position: string | null }>('SELECT position FROM log_checkpoints WHERE name = $1', [
      PROJECTIONS_CHECKPOINT,
    ]);
    if (rows.length > 0) checkpoints.init(PROJECTIONS_CHECKPOINT, rows[0].position);
    for (const { name, key } of projections.flatMap((projection) => projection.tables)) {
      const columns = copy.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck().all(name);
      const insert = copy.prepare(`INSERT INTO ${name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      const write = copy.transaction((page: Record<string, unknown>[]) => {
        // Integer columns take PostgreSQL's bigint strings as integers (SQLite's column affinity).
        for (const row of page) insert.run(...columns.map((column) => row[column]));
      });
      let after: string | null = null;
      for (;;) {
        const page: { rows: Record<string, unknown>[] } = await client.query(
          `SELECT ${columns.join(', ')} FROM ${name} ${after === null ? '' : `WHERE ${key} > $2`} ORDER BY ${key} LIMIT $1`,
          after === null ? [COPY_PAGE] : [COPY_PAGE, after],
        );
        write(page.rows);
        if (page.rows.length < COPY_PAGE) break;
        after = String(page.rows[page.rows.length - 1][key]);
      }
    }
    // The service's timings, not this shell's: the rebuild must project the fallback view as the service did.
    const timings = await readPostgresTimings(client);
    if (timings) recordTimings(copy, timings);
    await client.query('COMMIT');
    return copy;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    copy.close();
    throw error;
  } finally {
    client.release();
  }
}
