import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { SqliteFollowerStorage } from '../log-follower/sqlite-follower-storage';
import { Projection } from './projection';
import { ProjectionStorage } from './projection-storage';

/** Read models in the read-model SQLite file (the events file itself in embedded mode). */
export class SqliteProjectionStorage implements ProjectionStorage<Database.Database> {
  readonly followers: SqliteFollowerStorage;
  readonly tables: ReadonlyArray<{ name: string; key: string }>;

  constructor(
    private readonly db: Database.Database,
    private readonly projections: readonly Projection[],
    private readonly checkpoints: LogCheckpoints,
  ) {
    for (const projection of projections) projection.setup(db);
    this.followers = new SqliteFollowerStorage(db, checkpoints);
    this.tables = projections.flatMap((projection) => projection.tables);
  }

  apply(events: readonly StoredEvent[], db: Database.Database): void {
    for (const projection of this.projections) projection.apply(db, events);
  }

  async reset(): Promise<void> {
    this.db.transaction(() => {
      for (const projection of this.projections) projection.reset(this.db);
      this.checkpoints.remove(PROJECTIONS_CHECKPOINT);
    })();
  }
}
