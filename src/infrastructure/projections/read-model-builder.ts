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
 * Compares two read-model databases table by table, in key order, a row at a
 * time (a merge of two sorted cursors): memory stays flat however many rows.
 */
export function* compareReadModels(expected: Database.Database, live: Database.Database, projections: readonly Projection[]): Generator<ReadModelDifference> {
  for (const { name, key } of projections.flatMap((projection) => projection.tables)) {
    const query = `SELECT * FROM ${name} ORDER BY ${key}`;
    const want = expected.prepare<[], Record<string, unknown>>(query).iterate();
    const have = live.prepare<[], Record<string, unknown>>(query).iterate();
    let a = want.next();
    let b = have.next();
    while (!a.done || !b.done) {
      const ka = a.done ? null : String(a.value[key]);
      const kb = b.done ? null : String(b.value[key]);
      if (kb === null || (ka !== null && ka < kb)) {
        yield { table: name, key: ka!, problem: 'missing_in_live' };
        a = want.next();
      } else if (ka === null || kb < ka) {
        yield { table: name, key: kb, problem: 'extra_in_live' };
        b = have.next();
      } else {
        if (JSON.stringify(a.value) !== JSON.stringify(b.value)) yield { table: name, key: ka, problem: 'differs' };
        a = want.next();
        b = have.next();
      }
    }
  }
}
