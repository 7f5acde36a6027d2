import type { ClientBase } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { ADMIN_STATS_TABLES } from './admin-stats.projection';
import { statsChangesOf } from './admin-stats-fold';
import { PostgresProjection } from './postgres-projection';

/** The stats projection (admin-stats.projection.ts) in PostgreSQL: the same changes (admin-stats-fold.ts), one statement per kind. */
export class PostgresAdminStatsProjection implements PostgresProjection {
  readonly name = 'admin-stats';
  readonly tables = ADMIN_STATS_TABLES;

  async apply(client: ClientBase, events: readonly StoredEvent[]): Promise<void> {
    const { confirmations, settlements, http520s } = statsChangesOf(events);
    if (confirmations.length > 0)
      await client.query(
        `INSERT INTO settlements (order_id, amount_sats) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (order_id) DO NOTHING`,
        [confirmations.map((c) => c.orderId), confirmations.map((c) => c.amountSats)],
      );
    if (settlements.length > 0)
      await client.query(
        `UPDATE settlements s SET fee_msat = u.fee_msat, settled_at = u.settled_at
          FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u (order_id, fee_msat, settled_at)
          WHERE s.order_id = u.order_id AND s.settled_at IS NULL`,
        [settlements.map((s) => s.orderId), settlements.map((s) => s.feeMsat), settlements.map((s) => s.settledAt)],
      );
    if (http520s.length > 0)
      await client.query(
        `INSERT INTO voltz_520 (event_id, source, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
          ON CONFLICT (event_id) DO NOTHING`,
        [http520s.map((h) => h.eventId), http520s.map((h) => h.source), http520s.map((h) => h.receivedAt)],
      );
  }
}
