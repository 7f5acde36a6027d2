import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { PayoutListPage, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../application/payouts/payout-view';
import { ApplicationError } from '../../application/application-error';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { READ_MODEL_DB } from './read-model-database';

/** Keyset pagination over (created_at, order_id): stable while rows are added. */
@Injectable()
export class SqlitePayoutReadModel implements PayoutReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  list({ status, limit, cursor }: { status?: PayoutStatus; limit: number; cursor?: string | null }): PayoutListPage {
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
    const items = rows.slice(0, limit).map((row) => JSON.parse(row.view) as PayoutView);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit ? encodeCursor(last.createdAt, last.orderId) : null };
  }

  openAmounts(): { amountSats: number; count: number }[] {
    const closed: PayoutStatus[] = ['SETTLED', 'FAILED', 'CANCELLED'];
    return this.db
      .prepare<string[], { amountSats: number; count: number }>(
        `SELECT json_extract(view, '$.amountSats') AS amountSats, COUNT(*) AS count FROM payouts
          WHERE status NOT IN (${closed.map(() => '?').join(', ')}) GROUP BY amountSats`,
      )
      .all(...closed);
  }
}

function encodeCursor(createdAt: string, orderId: string): string {
  return Buffer.from(JSON.stringify([createdAt, orderId])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; orderId: string } {
  try {
    const [createdAt, orderId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof createdAt === 'string' && typeof orderId === 'string') return { createdAt, orderId };
  } catch {
    // falls through to the 400 below
  }
  throw new ApplicationError('invalid', 'cursor must be a nextCursor returned by this API', 'invalid_cursor');
}
