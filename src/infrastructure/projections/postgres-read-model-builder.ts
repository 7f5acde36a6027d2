import type { Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { toStoreError } from '../postgres/postgres-errors';
import { connectClient } from '../postgres/postgres-transaction';
import { PostgresProjection } from './postgres-projection';
import { ReadModelDifference } from './read-model-builder';

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
  protected get position(): string | null {
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
      await this.client.query('UPDATE log_checkpoints SET position = $2 WHERE name = $1', [PROJECTIONS_CHECKPOINT, this.position]);
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

/**
 * `ledger verify` in PostgreSQL: the read models rebuilt into temporary
 * copies of their tables and compared row by row with the live ones, all in
 * one REPEATABLE READ transaction that is rolled back. Its snapshot is taken
 * by the first read, of the live checkpoint, so the live rows compared are
 * exactly those at that checkpoint however far the service moves meanwhile.
 * The temporary tables shadow the live ones (pg_temp comes first in the
 * search path), so the production projections write into them unchanged.
 */
export class PostgresReadModelCheck extends PostgresBatchTransaction {
  private constructor(
    client: PoolClient,
    projections: readonly PostgresProjection[],
    /** Where the live read models stood: compare the rebuild up to here. */
    readonly liveCheckpoint: string | null,
    private readonly liveSchema: string,
  ) {
    super(client, projections);
  }

  static async open(pool: Pool, projections: readonly PostgresProjection[]): Promise<PostgresReadModelCheck> {
    const client = await PostgresBatchTransaction.begin(pool, 'REPEATABLE READ');
    try {
      const { rows } = await client.query<{ position: string | null; schema: string }>(
        'SELECT (SELECT position FROM log_checkpoints WHERE name = $1) AS position, current_schema() AS schema',
        [PROJECTIONS_CHECKPOINT],
      );
      const { position, schema } = rows[0];
      for (const { name } of projections.flatMap((projection) => projection.tables))
        await client.query(`CREATE TEMPORARY TABLE ${name} (LIKE ${schema}.${name} INCLUDING ALL) ON COMMIT DROP`);
      return new PostgresReadModelCheck(client, projections, position, schema);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw toStoreError(error);
    }
  }

  /** Applies what is left of the rebuild, compares, and ends the transaction (nothing is kept). */
  async differences(): Promise<ReadModelDifference[]> {
    const differences: ReadModelDifference[] = [];
    try {
      await this.flush();
      for (const { name, key } of this.projections.flatMap((projection) => projection.tables)) {
        const { rows: columns } = await this.client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
          [this.liveSchema, name],
        );
        const differs = columns.map(({ column_name: c }) => `r.${c} IS DISTINCT FROM l.${c}`).join(' OR ');
        const live = `${this.liveSchema}.${name}`;
        const wrongOrMissing = await this.client.query<{ k: string; missing: boolean }>(
          `SELECT r.${key} AS k, l.${key} IS NULL AS missing FROM pg_temp.${name} r LEFT JOIN ${live} l ON l.${key} = r.${key}
            WHERE l.${key} IS NULL OR ${differs} ORDER BY r.${key}`,
        );
        for (const { k, missing } of wrongOrMissing.rows)
          differences.push({ table: name, key: String(k), problem: missing ? 'missing_in_live' : 'differs' });
        const extra = await this.client.query<{ k: string }>(
          `SELECT l.${key} AS k FROM ${live} l WHERE NOT EXISTS (SELECT 1 FROM pg_temp.${name} r WHERE r.${key} = l.${key}) ORDER BY l.${key}`,
        );
        for (const { k } of extra.rows) differences.push({ table: name, key: String(k), problem: 'extra_in_live' });
      }
    } catch (error) {
      await this.end('ROLLBACK');
      throw toStoreError(error);
    }
    await this.end('ROLLBACK');
    return differences;
  }
}
