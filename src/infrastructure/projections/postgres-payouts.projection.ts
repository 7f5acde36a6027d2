import type { ClientBase } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PayoutSettings, payoutPolicy } from '../../application/payout-settings';
import { PayoutState, initialPayoutState } from '../../domain/payout/payout-state';
import { PAYOUTS_TABLES } from './payouts.projection';
import { FallbackRow, foldPayoutBatch, parsePayoutState, payoutOrdersOf } from './payouts-fold';
import { PostgresProjection } from './postgres-projection';

const UPSERT_FALLBACK = `INSERT INTO fallback_queue (order_id, status, attempts, last_error, queued_at, next_attempt_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
  ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error,
    next_attempt_at = excluded.next_attempt_at`;

/**
 * The payouts projection (payouts.projection.ts) in PostgreSQL: the same
 * fold (payouts-fold.ts), a batch read of the stored states, and one
 * statement per kind of write for the whole batch.
 */
export class PostgresPayoutsProjection implements PostgresProjection {
  readonly name = 'payouts';
  readonly tables = PAYOUTS_TABLES;

  constructor(private readonly settings: PayoutSettings) {}

  async apply(client: ClientBase, events: readonly StoredEvent[]): Promise<void> {
    const orders = payoutOrdersOf(events);
    if (orders.length === 0) return;
    const { rows } = await client.query<{ order_id: string; state: string }>(
      'SELECT order_id, state FROM payouts WHERE order_id = ANY($1::text[])',
      [orders],
    );
    const stored = new Map<string, PayoutState>(rows.map((row) => [row.order_id, parsePayoutState(row.state)]));
    const changes = foldPayoutBatch(events, stored, initialPayoutState, payoutPolicy(this.settings));
    if (changes.length === 0) return;
    const payouts = changes.map((change) => change.payout);
    await client.query(
      `INSERT INTO payouts (order_id, status, created_at, updated_at, state, view)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, state = excluded.state,
          view = excluded.view`,
      [
        payouts.map((row) => row.orderId),
        payouts.map((row) => row.status),
        payouts.map((row) => row.createdAt),
        payouts.map((row) => row.updatedAt),
        payouts.map((row) => row.state),
        payouts.map((row) => row.view),
      ],
    );
    const leaving = changes.filter((change) => change.fallback === null).map((change) => change.payout.orderId);
    if (leaving.length > 0) await client.query('DELETE FROM fallback_queue WHERE order_id = ANY($1::text[])', [leaving]);
    const staying = changes.flatMap((change) => (change.fallback !== null && !change.fallback.requeue ? [change.fallback.row] : []));
    if (staying.length > 0) await client.query(UPSERT_FALLBACK, columnsOf(staying));
    // Left the view and came back within the batch: a new stay, queued_at included.
    const returning = changes.flatMap((change) => (change.fallback?.requeue ? [change.fallback.row] : []));
    if (returning.length > 0) await client.query(`${UPSERT_FALLBACK}, queued_at = excluded.queued_at`, columnsOf(returning));
  }
}

function columnsOf(rows: FallbackRow[]): unknown[] {
  return [
    rows.map((row) => row.orderId),
    rows.map((row) => row.status),
    rows.map((row) => row.attempts),
    rows.map((row) => row.lastError),
    rows.map((row) => row.queuedAt),
    rows.map((row) => row.nextAttemptAt),
  ];
}
