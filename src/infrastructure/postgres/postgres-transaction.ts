import type { Pool, PoolClient } from 'pg';
import { toStoreError } from './postgres-errors';

/** A client of `pool`; a connection failure becomes StoreUnavailableError. */
export async function connectClient(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw toStoreError(error);
  }
}

/**
 * Runs `work` in one transaction on one pooled client: committed when it
 * returns, rolled back when it throws. A client whose transaction failed is
 * discarded (the connection may be what failed), never handed to the next caller.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await connectClient(pool);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw toStoreError(error);
  }
}
