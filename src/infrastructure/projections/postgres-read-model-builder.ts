import type { Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { toStoreError } from '../postgres/postgres-errors';
import { connectClient } from '../postgres/postgres-transaction';
import { PostgresProjection } from './postgres-projection';

const BATCH = 500;

/** One transaction on one client of `pool`, fed batch by batch; `end` commits or rolls back. */
abstract class PostgresBatchTransaction {
  private batch: StoredEvent[] = [];
  private last: string | null = null;

  protected constructor(
    protected readonly client: PoolClient,
    protected readonly projections: readonly PostgresProjection[],
  ) {}

  protected static async begin(pool: Pool, isolation: 'READ COMMITTED' | 'REPEATABLE READ'): Promise<PoolClient> {
    const client = await connectClient(pool);
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    } catch (error) {
      client.release(true);
      throw toStoreError(error);
    }
    return client;
  }

  /** Position of the last event added. */
  /** The position of the last event added: where the rebuilt read models stand. */
  get checkpoint(): string | null {
    return this.last;
  }

  async add(event: StoredEvent): Promise<void> {
    this.batch.push(event);
    this.last = event.position;
    if (this.batch.length >= BATCH) await this.flush();
  }

  protected async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    for (const projection of this.projections) await projection.apply(this.client, events);
  }

  protected async end(outcome: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    try {
      await this.client.query(outcome);
      this.client.release();
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      this.client.release(true);
      throw toStoreError(error);
    }
  }
}

/**
 * `ledger rebuild` in PostgreSQL: every read model replayed from position 0
 * in place, in ONE transaction that first locks the projections' checkpoint.
 * Readers keep seeing the old rows until the commit swaps them all at once;
 * a running instance's next batch waits for the lock, then finds the
 * checkpoint at or past its own and goes on. The webhook outbox is never touched.
 */
export class PostgresReadModelBuilder extends PostgresBatchTransaction {
  static async open(pool: Pool, projections: readonly PostgresProjection[]): Promise<PostgresReadModelBuilder> {
    const client = await PostgresBatchTransaction.begin(pool, 'READ COMMITTED');
    const builder = new PostgresReadModelBuilder(client, projections);
    try {
      await client.query('INSERT INTO log_checkpoints (name, position) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING', [
        PROJECTIONS_CHECKPOINT,
      ]);
      await client.query('SELECT position FROM log_checkpoints WHERE name = $1 FOR UPDATE', [PROJECTIONS_CHECKPOINT]);
      for (const { name } of projections.flatMap((projection) => projection.tables)) await client.query(`DELETE FROM ${name}`);
    } catch (error) {
      await builder.end('ROLLBACK');
      throw toStoreError(error);
    }
    return builder;
  }

  /** Writes the last rows and the checkpoint, and commits. */
  async finish(): Promise<void> {
    try {
      await this.flush();
      await this.client.query('UPDATE log_checkpoints SET position = $2 WHERE name = $1', [PROJECTIONS_CHECKPOINT, this.checkpoint]);
    } catch (error) {
      await this.end('ROLLBACK');
      throw toStoreError(error);
    }
    await this.end('COMMIT');
  }

  /** Leaves the read models as they were. */
  abort(): Promise<void> {
    return this.end('ROLLBACK');
  }
}
