import Database from 'better-sqlite3';
import { StoredOutboxRow, toOutboxRow } from './stored-outbox-row';
import { AttemptRecord, CLAIM_SCAN, NewDelivery, OutboxRow, WebhookOutbox } from './webhook-outbox.port';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      TEXT    NOT NULL UNIQUE,
    order_id         TEXT    NOT NULL,
    type             TEXT    NOT NULL,
    event_position   TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'abandoned')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    enqueued_at      TEXT    NOT NULL,
    first_attempt_at TEXT,
    last_attempt_at  TEXT,
    next_attempt_at  TEXT    NOT NULL,
    last_error       TEXT,
    last_http_status INTEGER,
    leased_until     TEXT,
    lease_owner      TEXT,
    completed_at     TEXT,
    audited          INTEGER NOT NULL DEFAULT 0
  );
  -- The due scan walks this index in order and stops at LIMIT: its cost does not grow with the backlog.
  CREATE INDEX IF NOT EXISTS webhook_outbox_due_in_order ON webhook_outbox (state, next_attempt_at, seq);
  CREATE INDEX IF NOT EXISTS webhook_outbox_by_order ON webhook_outbox (order_id, state);
  CREATE INDEX IF NOT EXISTS webhook_outbox_unaudited ON webhook_outbox (audited, state);
`;

/** SQLite hands back the ISO text it was given. */
type RawRow = StoredOutboxRow<string>;
const toRow = (raw: RawRow): OutboxRow => toOutboxRow(raw, (time) => time);

/**
 * The webhook outbox in the read-model SQLite database (webhook-outbox.port.ts
 * says what it keeps). Times are ISO-8601 strings from the injected clock
 * (`toISOString`, so they compare as text). A claim runs in an IMMEDIATE
 * transaction: the file's one writer at a time is what keeps two processes
 * sharing it from leasing one row, or two rows of one order, at once.
 */
export class SqliteWebhookOutbox implements WebhookOutbox {
  private readonly statements: {
    insert: Database.Statement<[string, string, string, string, string, string, string]>;
    due: Database.Statement<{ now: string; limit: number }, RawRow>;
    lease: Database.Statement<{ deliveryId: string; owner: string; until: string }>;
    delivered: Database.Statement<{
      deliveryId: string;
      attempts: number;
      firstAttemptAt: string;
      attemptedAt: string;
      httpStatus: number | null;
    }>;
    retry: Database.Statement<AttemptRecord & { nextAttemptAt: string }>;
    abandoned: Database.Statement<AttemptRecord>;
    release: Database.Statement<{ deliveryId: string; owner: string }>;
    unaudited: Database.Statement<[number], RawRow>;
    audited: Database.Statement<[string]>;
    nextWake: Database.Statement<[string], string | null>;
    get: Database.Statement<[string], RawRow>;
    byOrder: Database.Statement<[string], RawRow>;
  };
  private readonly claimTransaction: Database.Transaction<
    (now: string, limit: number, leaseUntil: string, owner: string, busyOrders: ReadonlySet<string>) => OutboxRow[]
  >;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.statements = {
      insert:
        db.prepare(`INSERT OR IGNORE INTO webhook_outbox (delivery_id, order_id, type, event_position, body, enqueued_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      // An order with a row leased by anyone waits: deliveries of one order go
      // out one at a time, in enqueue order, unless an earlier one is backing off.
      due: db.prepare(`SELECT * FROM webhook_outbox o
        WHERE o.state = 'pending' AND o.next_attempt_at <= @now AND (o.leased_until IS NULL OR o.leased_until <= @now)
          AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.order_id = o.order_id AND p.state = 'pending' AND p.leased_until > @now)
        ORDER BY o.next_attempt_at, o.seq LIMIT @limit`),
      lease: db.prepare('UPDATE webhook_outbox SET leased_until = @until, lease_owner = @owner WHERE delivery_id = @deliveryId'),
      // Delivered wins whoever holds the lease: the bot has it.
      delivered: db.prepare(`UPDATE webhook_outbox SET state = 'delivered', attempts = max(attempts, @attempts),
          first_attempt_at = coalesce(first_attempt_at, @firstAttemptAt), last_attempt_at = @attemptedAt, completed_at = @attemptedAt,
          last_http_status = @httpStatus, last_error = NULL, leased_until = NULL, lease_owner = NULL
        WHERE delivery_id = @deliveryId AND state = 'pending'`),
      // A failure is recorded only by the lease holder: if the lease was lost,
      // another process owns the row now and its bookkeeping wins.
      retry: db.prepare(`UPDATE webhook_outbox SET attempts = @attempts, first_attempt_at = @firstAttemptAt, last_attempt_at = @attemptedAt,
          last_http_status = @httpStatus, last_error = @error, next_attempt_at = @nextAttemptAt, leased_until = NULL, lease_owner = NULL
        WHERE delivery_id = @deliveryId AND state = 'pending' AND lease_owner = @owner`),
      abandoned: db.prepare(`UPDATE webhook_outbox SET state = 'abandoned', attempts = @attempts, first_attempt_at = @firstAttemptAt,
          last_attempt_at = @attemptedAt, completed_at = @attemptedAt, last_http_status = @httpStatus, last_error = @error,
          leased_until = NULL, lease_owner = NULL
        WHERE delivery_id = @deliveryId AND state = 'pending' AND lease_owner = @owner`),
      release: db.prepare(`UPDATE webhook_outbox SET leased_until = NULL, lease_owner = NULL
        WHERE delivery_id = @deliveryId AND state = 'pending' AND lease_owner = @owner`),
      unaudited: db.prepare(`SELECT * FROM webhook_outbox WHERE audited = 0 AND state IN ('delivered', 'abandoned') ORDER BY seq LIMIT ?`),
      audited: db.prepare('UPDATE webhook_outbox SET audited = 1 WHERE delivery_id = ?'),
      // The earliest moment a pending row may become claimable that is still
      // in the future (rows due now are claimed by the current tick or wait
      // for an in-flight delivery of their order to finish).
      nextWake: db
        .prepare<[string], string | null>(
          `SELECT min(max(next_attempt_at, coalesce(leased_until, ''))) FROM webhook_outbox
           WHERE state = 'pending' AND max(next_attempt_at, coalesce(leased_until, '')) > ?`,
        )
        .pluck(),
      get: db.prepare('SELECT * FROM webhook_outbox WHERE delivery_id = ?'),
      byOrder: db.prepare('SELECT * FROM webhook_outbox WHERE order_id = ? ORDER BY seq'),
    };
    this.claimTransaction = db.transaction(
      (now: string, limit: number, leaseUntil: string, owner: string, busyOrders: ReadonlySet<string>) => {
        const claimed: OutboxRow[] = [];
        const orders = new Set(busyOrders);
        for (const raw of this.statements.due.all({ now, limit: CLAIM_SCAN })) {
          if (claimed.length >= limit) break;
          if (orders.has(raw.order_id)) continue;
          orders.add(raw.order_id);
          this.statements.lease.run({ deliveryId: raw.delivery_id, owner, until: leaseUntil });
          claimed.push(toRow({ ...raw, leased_until: leaseUntil, lease_owner: owner }));
        }
        return claimed;
      },
    );
  }

  /**
   * Adds the deliveries of a batch of events; a delivery already stored (by
   * its event id) is left as it is. Called inside the transaction that moves
   * the feed's checkpoint, so it is synchronous. Returns how many rows were inserted.
   */
  insert(deliveries: readonly NewDelivery[], now: Date): number {
    const at = now.toISOString();
    let inserted = 0;
    for (const { deliveryId, orderId, type, eventPosition, body } of deliveries) {
      inserted += this.statements.insert.run(deliveryId, orderId, type, eventPosition, body, at, at).changes;
    }
    return inserted;
  }

  async claimDue(now: Date, limit: number, leaseMs: number, owner: string, busyOrders: ReadonlySet<string>): Promise<OutboxRow[]> {
    if (limit <= 0) return [];
    return this.claimTransaction.immediate(now.toISOString(), limit, new Date(now.getTime() + leaseMs).toISOString(), owner, busyOrders);
  }

  async markDelivered(record: AttemptRecord & { httpStatus: number }): Promise<boolean> {
    return this.statements.delivered.run(record).changes > 0;
  }

  async markRetry(record: AttemptRecord, nextAttemptAt: Date): Promise<boolean> {
    return this.statements.retry.run({ ...record, nextAttemptAt: nextAttemptAt.toISOString() }).changes > 0;
  }

  async markAbandoned(record: AttemptRecord): Promise<boolean> {
    return this.statements.abandoned.run(record).changes > 0;
  }

  async release(deliveryId: string, owner: string): Promise<void> {
    this.statements.release.run({ deliveryId, owner });
  }

  async unaudited(limit: number): Promise<OutboxRow[]> {
    return this.statements.unaudited.all(limit).map(toRow);
  }

  async markAudited(deliveryId: string): Promise<void> {
    this.statements.audited.run(deliveryId);
  }

  async nextWakeAt(now: Date): Promise<Date | null> {
    const next = this.statements.nextWake.get(now.toISOString());
    return next ? new Date(next) : null;
  }

  async get(deliveryId: string): Promise<OutboxRow | null> {
    const raw = this.statements.get.get(deliveryId);
    return raw ? toRow(raw) : null;
  }

  async forOrder(orderId: string): Promise<OutboxRow[]> {
    return this.statements.byOrder.all(orderId).map(toRow);
  }
}
