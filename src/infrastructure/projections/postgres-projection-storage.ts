import type { Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { PostgresFollowerStorage } from '../log-follower/postgres-follower-storage';
import { inTransaction } from '../postgres/postgres-transaction';
import { PostgresProjection } from './postgres-projection';
import { ProjectionStorage } from './projection-storage';

/** Read models in the shared PostgreSQL database: one set of tables every instance reads, written by the lease holder. */
export class PostgresProjectionStorage implements ProjectionStorage<PoolClient> {
  readonly followers: PostgresFollowerStorage;
  readonly tables: ReadonlyArray<{ name: string; key: string }>;

  constructor(
    private readonly pool: Pool,
    private readonly projections: readonly PostgresProjection[],
  ) {
    this.followers = new PostgresFollowerStorage(pool);
    this.tables = projections.flatMap((projection) => projection.tables);
  }

  async apply(events: readonly StoredEvent[], client: PoolClient): Promise<void> {
    for (const projection of this.projections) await projection.apply(client, events);
  }

  /**
   * Holds the checkpoint's row lock while it empties the tables, so no
   * instance's batch lands half before, half after; a follower that still
   * expected the old checkpoint finds it moved back and resumes from the start.
   */
  reset(): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT position FROM log_checkpoints WHERE name = $1 FOR UPDATE', [PROJECTIONS_CHECKPOINT]);
      for (const { name } of this.tables) await client.query(`DELETE FROM ${name}`);
      await client.query('DELETE FROM log_checkpoints WHERE name = $1', [PROJECTIONS_CHECKPOINT]);
    });
  }
}
