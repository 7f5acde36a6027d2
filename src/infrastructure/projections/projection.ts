import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';

/**
 * A read model kept in SQLite. `apply` gets the events of one batch, in log
 * order, inside the follower's transaction together with the checkpoint
 * update, so it must be synchronous and touch only this database.
 */
export interface Projection {
  readonly name: string;
  /** Its tables and their primary keys: what `ledger verify` compares row by row with a rebuild. */
  readonly tables: ReadonlyArray<{ name: string; key: string }>;
  /** Creates the tables (idempotent). */
  setup(db: Database.Database): void;
  /** Removes every row, before a rebuild from position 0. */
  reset(db: Database.Database): void;
  apply(db: Database.Database, events: readonly StoredEvent[]): void;
}
