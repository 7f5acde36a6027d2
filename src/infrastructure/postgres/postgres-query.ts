import type { Pool, QueryResultRow } from 'pg';
import { toStoreError } from './postgres-errors';

/** One read on the pool; a connection failure becomes StoreUnavailableError (503), never a 500. */
export async function queryRows<R extends QueryResultRow>(pool: Pool, sql: string, params: unknown[] = []): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows;
  } catch (error) {
    throw toStoreError(error);
  }
}
