import type { Pool } from 'pg';
import { PayoutListOptions, PayoutListPage, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../domain/payout/payout-view';
import { queryRows } from '../postgres/postgres-query';
import { CLOSED_STATUSES, decodeCursor, keyset, toPage, whereClause } from './payout-cursor';

/** The `payouts` read model in the shared database; the same keyset pagination as SQLite (the "C" collation orders alike). */
export class PostgresPayoutReadModel implements PayoutReadModel {
  constructor(private readonly pool: Pool) {}

  async list({ status, limit, cursor, order }: PayoutListOptions): Promise<PayoutListPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const { past, orderBy } = keyset(order);
    const params: (string | number)[] = status ? [status] : [];
    const filter = status ? ['status = $1'] : [];
    const where = [...filter];
    if (after) {
      params.push(after.createdAt, after.orderId);
      where.push(`(created_at, order_id) ${past} ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    // One statement, one snapshot: the total counts the rows the page was taken from.
    const sql =
      `SELECT (SELECT count(*) FROM payouts ${whereClause(filter)}) AS total, ` +
      `ARRAY(SELECT view FROM payouts ${whereClause(where)} ORDER BY ${orderBy} LIMIT $${params.length}) AS views`;
    const [row] = await queryRows<{ total: string; views: string[] }>(this.pool, sql, params);
    return {
      ...toPage(
        row.views.map((view) => JSON.parse(view) as PayoutView),
        limit,
      ),
      total: Number(row.total),
    };
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
