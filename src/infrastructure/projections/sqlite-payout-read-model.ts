import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { PayoutListPage, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../application/payouts/payout-view';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { CLOSED_STATUSES, decodeCursor, toPage } from './payout-cursor';
import { READ_MODEL_DB } from './read-model-database';

/** Keyset pagination over (created_at, order_id): stable while rows are added. */
@Injectable()
export class SqlitePayoutReadModel implements PayoutReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async list({ status, limit, cursor }: { status?: PayoutStatus; limit: number; cursor?: string | null }): Promise<PayoutListPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (status) {
      where.push('status = ?');
      params.push(status);
    }
    if (after) {
      where.push('(created_at, order_id) > (?, ?)');
      params.push(after.createdAt, after.orderId);
    }
    const sql = `SELECT view FROM payouts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, order_id LIMIT ?`;
    const rows = this.db.prepare<(string | number)[], { view: string }>(sql).all(...params, limit + 1);
    return toPage(
      rows.map((row) => JSON.parse(row.view) as PayoutView),
      limit,
    );
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
