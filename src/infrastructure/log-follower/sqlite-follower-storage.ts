import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { ApplyBatch, FollowerStorage, StoredCheckpoint, freshEvents } from './follower-storage';
import { LogCheckpoints } from './log-checkpoints';

/**
 * Checkpoints in the read-model SQLite file. A batch commits in an IMMEDIATE
 * transaction (the file's write lock), so a second process sharing the file
 * waits, then finds the checkpoint moved and applies only what is left.
 */
export class SqliteFollowerStorage implements FollowerStorage<Database.Database> {
  constructor(
    private readonly db: Database.Database,
    private readonly checkpoints: LogCheckpoints,
  ) {}

  async read(name: string): Promise<StoredCheckpoint> {
    return this.checkpoints.read(name);
  }

  async init(name: string, position: string | null): Promise<string | null> {
    return this.checkpoints.init(name, position);
  }

  async commit(name: string, after: string | null, batch: readonly StoredEvent[], apply: ApplyBatch<Database.Database>): Promise<number> {
    return this.db
      .transaction(() => {
        const fresh = freshEvents(name, this.checkpoints.read(name).position, after, batch);
        if (fresh.length === 0) return 0;
        // better-sqlite3 transactions cannot span an await: a promise here would commit before its writes.
        if (apply(fresh, this.db) instanceof Promise) throw new Error(`${name}: a SQLite follower's writes must be synchronous`);
        this.checkpoints.write(name, fresh[fresh.length - 1].position);
        return fresh.length;
      })
      .immediate();
  }
}
