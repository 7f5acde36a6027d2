import { Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { toStoreError } from '../postgres/postgres-errors';
import { inTransaction } from '../postgres/postgres-transaction';
import { ApplyBatch, FollowerStorage, StoredCheckpoint, freshEvents } from './follower-storage';

/**
 * Checkpoints in the shared database (`log_checkpoints`). A batch commits in
 * one transaction on one pooled client that first locks its checkpoint row
 * (SELECT ... FOR UPDATE): a second instance applying the same follower at
 * the same time waits for that commit, then reads the moved checkpoint and
 * applies only what is left. The projection lease keeps that rare; this lock
 * is what makes it safe.
 */
export class PostgresFollowerStorage implements FollowerStorage<PoolClient> {
  constructor(private readonly pool: Pool) {}

  async read(name: string): Promise<StoredCheckpoint> {
    try {
      const { rows } = await this.pool.query<{ position: string | null }>('SELECT position FROM log_checkpoints WHERE name = $1', [name]);
      return rows.length === 0 ? { exists: false, position: null } : { exists: true, position: rows[0].position };
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async init(name: string, position: string | null): Promise<string | null> {
    try {
      await this.pool.query('INSERT INTO log_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, position]);
    } catch (error) {
      throw toStoreError(error);
    }
    return (await this.read(name)).position;
  }

  commit(name: string, after: string | null, batch: readonly StoredEvent[], apply: ApplyBatch<PoolClient>): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      // A follower that never wrote a checkpoint gets its row here, so there is always a row to lock.
      await client.query('INSERT INTO log_checkpoints (name, position) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING', [name]);
      const { rows } = await client.query<{ position: string | null }>('SELECT position FROM log_checkpoints WHERE name = $1 FOR UPDATE', [
        name,
      ]);
      const fresh = freshEvents(name, rows[0].position, after, batch);
      if (fresh.length === 0) return 0;
      await apply(fresh, client);
      await client.query('UPDATE log_checkpoints SET position = $2 WHERE name = $1', [name, fresh[fresh.length - 1].position]);
      return fresh.length;
    });
  }
}
