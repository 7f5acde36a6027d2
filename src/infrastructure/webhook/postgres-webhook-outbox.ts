import type { ClientBase, Pool, QueryResultRow } from 'pg';
import { toStoreError } from '../postgres/postgres-errors';
import { StoredOutboxRow, toOutboxRow } from './stored-outbox-row';
import { AttemptRecord, CLAIM_SCAN, NewDelivery, OutboxRow, WebhookOutbox } from './webhook-outbox.port';

/**
 * First key of the per-order advisory locks a claim takes (the second is the
 * order id's hash; two orders sharing a hash only skip each other now and
 * then). The two-key form is a key space of its own, apart from single-key
 * (bigint) locks such as the migrations'.
 */
const ORDER_LOCK_SPACE = 0x504c4c57;

const PENDING_OF_ORDER_LEASED = `EXISTS (SELECT 1 FROM webhook_outbox p
  WHERE p.order_id = o.order_id AND p.state = 'pending' AND p.leased_until > $1::timestamptz)`;

/**
 * Picks and locks the orders to claim: the first due row of each order in
 * the scan window (none in flight here, none leased anywhere), oldest first,
 * then `pg_try_advisory_xact_lock` on each order until `limit` are held.
 * The order, not the row, is what is locked and skipped: with SKIP LOCKED on
 * rows, a claimer passing over an order's locked first row would take its
 * second, and two claimers reading a moment apart (a row enqueued or backed
 * off in between) can each see a different first row. Whoever holds an
 * order's lock is the only one leasing its rows until it commits; whoever
 * cannot take it skips the order rather than wait. The materialized CTE
 * fences the lock call: it runs on rows in due order and stops at LIMIT, so
 * no more orders are locked than the claim may take.
 */
const PICK_AND_LOCK = `
  WITH due AS (
    SELECT o.delivery_id, o.order_id, o.next_attempt_at, o.seq FROM webhook_outbox o
    WHERE o.state = 'pending' AND o.next_attempt_at <= $1::timestamptz
      AND (o.leased_until IS NULL OR o.leased_until <= $1::timestamptz)
      AND o.order_id <> ALL ($2::text[]) AND NOT ${PENDING_OF_ORDER_LEASED}
    ORDER BY o.next_attempt_at, o.seq LIMIT ${CLAIM_SCAN}
  ), heads AS MATERIALIZED (
    SELECT * FROM (SELECT DISTINCT ON (order_id) * FROM due ORDER BY order_id, next_attempt_at, seq) first_of_order
    ORDER BY next_attempt_at, seq
  )
  SELECT delivery_id FROM heads WHERE pg_try_advisory_xact_lock(${ORDER_LOCK_SPACE}, hashtext(order_id)) LIMIT $3`;

/**
 * Leases the picked rows. It runs after the locks are held, so its snapshot
 * sees every lease committed by whoever held an order's lock before: a row
 * leased, finished or backed off since the pick is left alone.
 */
const LEASE = `
  UPDATE webhook_outbox o SET leased_until = $3::timestamptz, lease_owner = $4
  WHERE o.delivery_id = ANY ($2::text[]) AND o.state = 'pending' AND o.next_attempt_at <= $1::timestamptz
    AND (o.leased_until IS NULL OR o.leased_until <= $1::timestamptz) AND NOT ${PENDING_OF_ORDER_LEASED}
  RETURNING o.*`;

const INSERT = `
  INSERT INTO webhook_outbox (delivery_id, order_id, type, event_position, body, enqueued_at, next_attempt_at)
  SELECT d.delivery_id, d.order_id, d.type, d.event_position, d.body, $6::timestamptz, $6::timestamptz
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS d(delivery_id, order_id, type, event_position, body, n)
  ORDER BY d.n
  ON CONFLICT (delivery_id) DO NOTHING`;

// Delivered wins whoever holds the lease: the bot has it.
const DELIVERED = `
  UPDATE webhook_outbox SET state = 'delivered', attempts = greatest(attempts, $2), first_attempt_at = coalesce(first_attempt_at, $3::timestamptz),
    last_attempt_at = $4::timestamptz, completed_at = $4::timestamptz, last_http_status = $5, last_error = NULL, leased_until = NULL, lease_owner = NULL
  WHERE delivery_id = $1 AND state = 'pending'`;

// A failure is recorded only by the lease holder: if the lease was lost,
// another instance owns the row now and its bookkeeping wins.
const RETRY = `
  UPDATE webhook_outbox SET attempts = $3, first_attempt_at = $4::timestamptz, last_attempt_at = $5::timestamptz, last_http_status = $6,
    last_error = $7, next_attempt_at = $8::timestamptz, leased_until = NULL, lease_owner = NULL
  WHERE delivery_id = $1 AND state = 'pending' AND lease_owner = $2`;

const ABANDONED = `
  UPDATE webhook_outbox SET state = 'abandoned', attempts = $3, first_attempt_at = $4::timestamptz, last_attempt_at = $5::timestamptz,
    completed_at = $5::timestamptz, last_http_status = $6, last_error = $7, leased_until = NULL, lease_owner = NULL
  WHERE delivery_id = $1 AND state = 'pending' AND lease_owner = $2`;

const RELEASE = `UPDATE webhook_outbox SET leased_until = NULL, lease_owner = NULL WHERE delivery_id = $1 AND state = 'pending' AND lease_owner = $2`;

// The earliest moment a pending row may become claimable that is still in the
// future (rows due now are claimed by the current tick or wait for an
// in-flight delivery of their order to finish). greatest() skips NULLs.
const NEXT_WAKE = `
  SELECT min(greatest(next_attempt_at, leased_until)) AS at FROM webhook_outbox
  WHERE state = 'pending' AND greatest(next_attempt_at, leased_until) > $1::timestamptz`;

type RawRow = StoredOutboxRow<Date>;

/**
 * The webhook outbox in PostgreSQL, shared by every instance: any of them may
 * claim, and a claim is one short transaction (pick and lock the orders,
 * lease their rows, commit), so in a run without crashes each delivery is
 * sent by one instance once; a crashed instance's leases expire and another
 * sends them again (at least once). Rows are added by the log follower, in
 * its own transaction: `insert` takes that transaction's client.
 */
export class PostgresWebhookOutbox implements WebhookOutbox {
  constructor(private readonly pool: Pool) {}

  /**
   * Adds the deliveries of a batch of events, in the given order; a delivery
   * already stored (by its event id) is left as it is. `client` is the
   * follower's open transaction, which also moves its checkpoint. Returns how
   * many rows were inserted.
   */
  async insert(client: ClientBase, deliveries: readonly NewDelivery[], now: Date): Promise<number> {
    if (deliveries.length === 0) return 0;
    const column = <K extends keyof NewDelivery>(key: K) => deliveries.map((delivery) => delivery[key]);
    const result = await client.query(INSERT, [
      column('deliveryId'),
      column('orderId'),
      column('type'),
      column('eventPosition'),
      column('body'),
      now.toISOString(),
    ]);
    return result.rowCount ?? 0;
  }

  async claimDue(now: Date, limit: number, leaseMs: number, owner: string, busyOrders: ReadonlySet<string>): Promise<OutboxRow[]> {
    if (limit <= 0) return [];
    const at = now.toISOString();
    const client = await this.pool.connect().catch((error: unknown) => Promise.reject(toStoreError(error)));
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const picked = await client.query<{ delivery_id: string }>(PICK_AND_LOCK, [at, [...busyOrders], limit]);
      let leased: RawRow[] = [];
      if (picked.rows.length > 0) {
        const ids = picked.rows.map((row) => row.delivery_id);
        leased = (await client.query<RawRow>(LEASE, [at, ids, new Date(now.getTime() + leaseMs).toISOString(), owner])).rows;
      }
      // Committing ends the order locks: the leases now speak for them.
      await client.query('COMMIT');
      return leased.map(toRow).sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.seq - b.seq);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw toStoreError(error);
    } finally {
      client.release(broken);
    }
  }

  async markDelivered(record: AttemptRecord & { httpStatus: number }): Promise<boolean> {
    const { deliveryId, attempts, firstAttemptAt, attemptedAt, httpStatus } = record;
    return (await this.changes(DELIVERED, [deliveryId, attempts, firstAttemptAt, attemptedAt, httpStatus])) > 0;
  }

  async markRetry(record: AttemptRecord, nextAttemptAt: Date): Promise<boolean> {
    const { deliveryId, owner, attempts, firstAttemptAt, attemptedAt, httpStatus, error } = record;
    const values = [deliveryId, owner, attempts, firstAttemptAt, attemptedAt, httpStatus, error, nextAttemptAt.toISOString()];
    return (await this.changes(RETRY, values)) > 0;
  }

  async markAbandoned(record: AttemptRecord): Promise<boolean> {
    const { deliveryId, owner, attempts, firstAttemptAt, attemptedAt, httpStatus, error } = record;
    return (await this.changes(ABANDONED, [deliveryId, owner, attempts, firstAttemptAt, attemptedAt, httpStatus, error])) > 0;
  }

  async release(deliveryId: string, owner: string): Promise<void> {
    await this.changes(RELEASE, [deliveryId, owner]);
  }

  async unaudited(limit: number): Promise<OutboxRow[]> {
    const rows = await this.rows<RawRow>(`SELECT * FROM webhook_outbox WHERE NOT audited AND state <> 'pending' ORDER BY seq LIMIT $1`, [
      limit,
    ]);
    return rows.map(toRow);
  }

  async markAudited(deliveryId: string): Promise<void> {
    await this.changes('UPDATE webhook_outbox SET audited = true WHERE delivery_id = $1', [deliveryId]);
  }

  async nextWakeAt(now: Date): Promise<Date | null> {
    const [row] = await this.rows<{ at: Date | null }>(NEXT_WAKE, [now.toISOString()]);
    return row?.at ?? null;
  }

  async get(deliveryId: string): Promise<OutboxRow | null> {
    const [row] = await this.rows<RawRow>('SELECT * FROM webhook_outbox WHERE delivery_id = $1', [deliveryId]);
    return row ? toRow(row) : null;
  }

  async forOrder(orderId: string): Promise<OutboxRow[]> {
    return (await this.rows<RawRow>('SELECT * FROM webhook_outbox WHERE order_id = $1 ORDER BY seq', [orderId])).map(toRow);
  }

  private async rows<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, values)).rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private async changes(sql: string, values: unknown[]): Promise<number> {
    try {
      return (await this.pool.query(sql, values)).rowCount ?? 0;
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

const toRow = (raw: RawRow): OutboxRow => toOutboxRow(raw, (time) => time.toISOString());
