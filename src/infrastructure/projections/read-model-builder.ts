import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { Projection } from './projection';

const BATCH = 500;

/**
 * Replays the log into read models from position 0 with the production
 * projections, outside the service: `ledger rebuild` on the live database,
 * `ledger verify` on a scratch one. Each batch lands with the checkpoint in
 * one transaction, as the follower does, so an interrupted rebuild resumes
 * in the service exactly where it stopped. The webhook outbox is not a read
 * model and is never touched.
 */
export class ReadModelBuilder {
  private batch: StoredEvent[] = [];
  private readonly checkpoints: LogCheckpoints;

  constructor(
    private readonly db: Database.Database,
    private readonly projections: readonly Projection[],
  ) {
    for (const projection of projections) projection.setup(db);
    this.checkpoints = new LogCheckpoints(db);
    db.transaction(() => {
      for (const projection of projections) projection.reset(db);
      this.checkpoints.remove(PROJECTIONS_CHECKPOINT);
      this.checkpoints.init(PROJECTIONS_CHECKPOINT, null);
    })();
  }

  add(event: StoredEvent): void {
    this.batch.push(event);
    if (this.batch.length >= BATCH) this.flush();
  }

  finish(): void {
    this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.db.transaction(() => {
      for (const projection of this.projections) projection.apply(this.db, events);
      this.checkpoints.write(PROJECTIONS_CHECKPOINT, events[events.length - 1].position);
    })();
  }
}

export interface ReadModelDifference {
  table: string;
  key: string;
  problem: 'missing_in_live' | 'extra_in_live' | 'differs';
}

/**
 * Compares the live read models with a rebuild in the file `expectedFile`,
 * table by table, inside SQLite (the rebuild attached to the live
 * connection): each rebuilt row is looked up by its key in the live table and
 * compared column by column, then the live keys the rebuild lacks are listed.
 * Rows are never loaded into JavaScript, only the keys of the rows that
 * differ come back; a lookup by primary key, unlike an EXCEPT of whole rows,
 * needs no sort of the tables' JSON columns.
 */
export function compareReadModels(
  live: Database.Database,
  expectedFile: string,
  projections: readonly Projection[],
): ReadModelDifference[] {
  const differences: ReadModelDifference[] = [];
  live.prepare('ATTACH DATABASE ? AS rebuilt').run(expectedFile);
  try {
    for (const { name, key } of projections.flatMap((projection) => projection.tables)) {
      const columns = live.prepare<[string], string>("SELECT name FROM pragma_table_info(?, 'rebuilt')").pluck().all(name);
      const differs = columns.map((column) => `r.${column} IS NOT l.${column}`).join(' OR ');
      const wrongOrMissing = live
        .prepare<[], { k: unknown; missing: number }>(
          `SELECT r.${key} AS k, l.${key} IS NULL AS missing FROM rebuilt.${name} r LEFT JOIN main.${name} l ON l.${key} = r.${key}
            WHERE l.${key} IS NULL OR ${differs} ORDER BY r.${key}`,
        )
        .all();
      for (const { k, missing } of wrongOrMissing)
        differences.push({ table: name, key: String(k), problem: missing ? 'missing_in_live' : 'differs' });
      const extra = live
        .prepare<[], unknown>(
          `SELECT l.${key} FROM main.${name} l ` +
            `WHERE NOT EXISTS (SELECT 1 FROM rebuilt.${name} r WHERE r.${key} = l.${key}) ORDER BY l.${key}`,
        )
        .pluck()
        .all();
      for (const k of extra) differences.push({ table: name, key: String(k), problem: 'extra_in_live' });
    }
  } finally {
    live.exec('DETACH DATABASE rebuilt');
  }
  return differences;
}
