import { StoredEvent, comparePositions } from '../../application/ports/event-store.port';

/** A follower's checkpoint as stored: no row means it never started on this database; a NULL position means "from the start". */
export interface StoredCheckpoint {
  exists: boolean;
  position: string | null;
}

/** Writes one batch's rows; `tx` is the storage's transaction handle (SQLite: the database, synchronous only; PostgreSQL: the pooled client). */
export type ApplyBatch<Tx> = (events: readonly StoredEvent[], tx: Tx) => void | Promise<void>;

/**
 * Where followers keep their checkpoints, beside the rows they write: the
 * read-model SQLite file, or the shared PostgreSQL database.
 */
export interface FollowerStorage<Tx> {
  read(name: string): Promise<StoredCheckpoint>;
  /** Records a first position unless someone did first; answers the stored one. */
  init(name: string, position: string | null): Promise<string | null>;
  /**
   * One transaction: lock the checkpoint, drop the events it already
   * covers (another process may have applied them), apply the rest and move
   * the checkpoint to the last of them. `after` is where the follower
   * believes the checkpoint stands (its batch follows that position).
   * Answers how many were applied.
   */
  commit(name: string, after: string | null, batch: readonly StoredEvent[], apply: ApplyBatch<Tx>): Promise<number>;
}

/**
 * The checkpoint is behind where its follower stood (a rebuild reset it
 * meanwhile): applying the batch would skip the events in between, so the
 * follower resumes from the stored checkpoint instead.
 */
class CheckpointMovedBackError extends Error {
  constructor(name: string, stored: string | null, after: string) {
    super(`${name}: the checkpoint moved back to ${stored ?? '(start)'} from ${after} (a rebuild); resuming from it`);
    this.name = 'CheckpointMovedBackError';
  }
}

/** The events of `batch` the stored checkpoint does not cover yet; throws when applying them would skip events. */
export function freshEvents(
  name: string,
  stored: string | null,
  after: string | null,
  batch: readonly StoredEvent[],
): readonly StoredEvent[] {
  if (after !== null && (stored === null || comparePositions(stored, after) < 0)) throw new CheckpointMovedBackError(name, stored, after);
  return stored === null ? batch : batch.filter((event) => comparePositions(event.position, stored) > 0);
}

/** The follower storage of the configured mode, for followers outside the projection runner (the webhook outbox's feeder). */
export const FOLLOWER_STORAGE = Symbol('FOLLOWER_STORAGE');
