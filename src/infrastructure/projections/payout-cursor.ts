import { ApplicationError } from '../../application/application-error';
import { PayoutOrder } from '../../application/ports/payout-read-model.port';

/** The keyset cursor of GET /v1/payouts: the (created_at, order_id) of the page's last row, opaque to clients. */
function encodeCursor(createdAt: string, orderId: string): string {
  return Buffer.from(JSON.stringify([createdAt, orderId])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; orderId: string } {
  try {
    const [createdAt, orderId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof createdAt === 'string' && typeof orderId === 'string') return { createdAt, orderId };
  } catch {
    // falls through to the 400 below
  }
  throw new ApplicationError('invalid', 'cursor must be a nextCursor returned by this API', 'invalid_cursor');
}

/** A page of `limit` items from `limit + 1` rows: the extra row only says whether there is a next page. */
export function toPage<T extends { createdAt: string; orderId: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit ? encodeCursor(last.createdAt, last.orderId) : null };
}

/**
 * The keyset of one order: rows strictly past the cursor's in the order's
 * direction, so rows added meanwhile neither repeat nor shift a page.
 */
export function keyset(order: PayoutOrder = 'oldest'): { past: '>' | '<'; orderBy: string } {
  return order === 'newest' ? { past: '<', orderBy: 'created_at DESC, order_id DESC' } : { past: '>', orderBy: 'created_at, order_id' };
}

export function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** The statuses whose payouts are still to pay: excluded from the open amounts. */
export const CLOSED_STATUSES = ['SETTLED', 'FAILED', 'CANCELLED'] as const;
