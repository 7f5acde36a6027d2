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
 * connection, compared with EXCEPT): rows are never loaded into JavaScript,
 * only the keys of the rows that differ come back.
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
      const keysOf = (from: string, except: string) =>
        new Set(
          live
            .prepare<[], { k: unknown }>(`SELECT ${key} AS k FROM (SELECT * FROM ${from}.${name} EXCEPT SELECT * FROM ${except}.${name})`)
            .pluck()
            .all() as unknown[],
        );
      const wrongOrMissing = keysOf('rebuilt', 'main');
      const wrongOrExtra = keysOf('main', 'rebuilt');
      for (const k of wrongOrMissing)
        differences.push({ table: name, key: String(k), problem: wrongOrExtra.has(k) ? 'differs' : 'missing_in_live' });
      for (const k of wrongOrExtra) if (!wrongOrMissing.has(k)) differences.push({ table: name, key: String(k), problem: 'extra_in_live' });
    }
  } finally {
    live.exec('DETACH DATABASE rebuilt');
  }
  return differences;
}
