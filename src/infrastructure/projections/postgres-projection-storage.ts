import type { Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { PostgresFollowerStorage } from '../log-follower/postgres-follower-storage';
import { toStoreError } from '../postgres/postgres-errors';
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
  async reset(): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT position FROM log_checkpoints WHERE name = $1 FOR UPDATE', [PROJECTIONS_CHECKPOINT]);
      await client.query(`DELETE FROM ${this.tables.map((table) => table.name).join('; DELETE FROM ')}`);
      await client.query('DELETE FROM log_checkpoints WHERE name = $1', [PROJECTIONS_CHECKPOINT]);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw toStoreError(error);
    }
  }
}
