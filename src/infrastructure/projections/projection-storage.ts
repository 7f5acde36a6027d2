import { StoredEvent } from '../../application/ports/event-store.port';
import { FollowerStorage } from '../log-follower/follower-storage';

/**
 * Where the read models live: the SQLite read-model file, or the shared
 * PostgreSQL database. The runner feeds it batches through a follower whose
 * checkpoint lives in the same storage.
 */
export interface ProjectionStorage<Tx> {
  readonly followers: FollowerStorage<Tx>;
  /** Every projection's tables and their keys: what `ledger verify` compares row by row with a rebuild. */
  readonly tables: ReadonlyArray<{ name: string; key: string }>;
  /** Writes a batch into every read model, inside the follower's transaction. */
  apply(events: readonly StoredEvent[], tx: Tx): void | Promise<void>;
  /** Empties every read model and forgets the projections' checkpoint, in one transaction: the next start replays the log. */
  reset(): Promise<void>;
}

export const PROJECTION_STORAGE = Symbol('PROJECTION_STORAGE');
