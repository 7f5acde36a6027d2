import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { PayoutListOptions, PayoutListPage, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../domain/payout/payout-view';
import { CLOSED_STATUSES, decodeCursor, keyset, toPage, whereClause } from './payout-cursor';
import { READ_MODEL_DB } from './read-model-database';

/** Keyset pagination over (created_at, order_id): stable while rows are added. */
@Injectable()
export class SqlitePayoutReadModel implements PayoutReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async list({ status, limit, cursor, order }: PayoutListOptions): Promise<PayoutListPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const { past, orderBy } = keyset(order);
    const filter = status ? ['status = ?'] : [];
    const filterParams = status ? [status] : [];
    const where = [...filter, ...(after ? [`(created_at, order_id) ${past} (?, ?)`] : [])];
    const params = [...filterParams, ...(after ? [after.createdAt, after.orderId] : []), limit + 1];
    const page = this.db.prepare<(string | number)[], { view: string }>(
      `SELECT view FROM payouts ${whereClause(where)} ORDER BY ${orderBy} LIMIT ?`,
    );
    const count = this.db.prepare<string[], { total: number }>(`SELECT COUNT(*) AS total FROM payouts ${whereClause(filter)}`);
    // One read transaction: the total counts the rows the page was taken from.
    return this.db.transaction(() => ({
      ...toPage(
        page.all(...params).map((row) => JSON.parse(row.view) as PayoutView),
        limit,
      ),
      total: count.get(...filterParams)!.total,
    }))();
  }

  async openAmounts(): Promise<{ amountSats: number; count: number }[]> {
    return this.db
      .prepare<string[], { amountSats: number; count: number }>(
        `SELECT json_extract(view, '$.amountSats') AS amountSats, COUNT(*) AS count FROM payouts
          WHERE status NOT IN (${CLOSED_STATUSES.map(() => '?').join(', ')}) GROUP BY amountSats`,
      )
      .all(...CLOSED_STATUSES);
  }
}
