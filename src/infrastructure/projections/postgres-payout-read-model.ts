import type { Pool } from 'pg';
import { PayoutListPage, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../application/payouts/payout-view';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { queryRows } from '../postgres/postgres-query';
import { CLOSED_STATUSES, decodeCursor, toPage } from './payout-cursor';

/** The `payouts` read model in the shared database; the same keyset pagination as SQLite (the "C" collation orders alike). */
export class PostgresPayoutReadModel implements PayoutReadModel {
  constructor(private readonly pool: Pool) {}

  async list({ status, limit, cursor }: { status?: PayoutStatus; limit: number; cursor?: string | null }): Promise<PayoutListPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (status) {
      params.push(status);
      where.push(`status = $${params.length}`);
    }
    if (after) {
      params.push(after.createdAt, after.orderId);
      where.push(`(created_at, order_id) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    const sql =
      `SELECT view FROM payouts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY created_at, order_id LIMIT $${params.length}`;
    const rows = await queryRows<{ view: string }>(this.pool, sql, params);
    return toPage(
      rows.map((row) => JSON.parse(row.view) as PayoutView),
      limit,
    );
  }

  async openAmounts(): Promise<{ amountSats: number; count: number }[]> {
    const rows = await queryRows<{ amount_sats: string; count: string }>(
      this.pool,
      `SELECT (view::json ->> 'amountSats')::bigint AS amount_sats, count(*) AS count FROM payouts
        WHERE status <> ALL($1::text[]) GROUP BY 1`,
      [CLOSED_STATUSES],
    );
    return rows.map((row) => ({ amountSats: Number(row.amount_sats), count: Number(row.count) }));
  }
}
