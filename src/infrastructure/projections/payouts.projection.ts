import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { toPayoutView } from '../../application/payouts/payout-view';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../application/payout-settings';
import { fallbackDueAt } from '../../domain/payout/fallback-policy';
import { fallbackTimings } from '../../application/payout-settings';
import { recordTimings } from './recorded-timings';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { Payout, PayoutState, evolve, initialPayoutState } from '../../domain/payout/payout-state';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';
import { Projection } from './projection';

/**
 * One row per order: the folded decider state (so the row is exactly what
 * GET /v1/payouts/{id} computes from the stream) and the Payout view; and the
 * fallback view, derived from the same fold in the same transaction so the
 * two can never disagree.
 */
@Injectable()
export class PayoutsProjection implements Projection {
  readonly name = 'payouts';
  readonly tables = [
    { name: 'payouts', key: 'order_id' },
    { name: 'fallback_queue', key: 'order_id' },
  ];
  private statements: {
    get: Database.Statement<[string], { state: string }>;
    upsert: Database.Statement<[string, string, string, string, string, string]>;
    enqueue: Database.Statement<[string, string, number, string | null, string, string]>;
    requeue: Database.Statement<[string, string, number, string | null, string, string]>;
    dequeue: Database.Statement<[string]>;
  } | null = null;

  constructor(@Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings) {}

  setup(db: Database.Database): void {
    db.exec(`CREATE TABLE IF NOT EXISTS payouts (
      order_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      state TEXT NOT NULL,
      view TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS payouts_by_created ON payouts (created_at, order_id);
    CREATE INDEX IF NOT EXISTS payouts_by_status ON payouts (status, created_at, order_id);
    CREATE TABLE IF NOT EXISTS fallback_queue (
      order_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT,
      queued_at TEXT NOT NULL,
      next_attempt_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS fallback_queue_by_due ON fallback_queue (next_attempt_at, order_id);`);
    recordTimings(db, fallbackTimings(this.settings));
    this.statements = {
      get: db.prepare('SELECT state FROM payouts WHERE order_id = ?'),
      upsert: db.prepare(
        `INSERT INTO payouts (order_id, status, created_at, updated_at, state, view) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, ` +
          `state = excluded.state, view = excluded.view`,
      ),
      // queued_at keeps the time the order entered the view, across updates.
      enqueue: db.prepare(
        `INSERT INTO fallback_queue (order_id, status, attempts, last_error, queued_at, next_attempt_at) ` +
          `VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, ` +
          `last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at`,
      ),
      requeue: db.prepare(
        `INSERT INTO fallback_queue (order_id, status, attempts, last_error, queued_at, next_attempt_at) ` +
          `VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, ` +
          `last_error = excluded.last_error, queued_at = excluded.queued_at, next_attempt_at = excluded.next_attempt_at`,
      ),
      dequeue: db.prepare('DELETE FROM fallback_queue WHERE order_id = ?'),
    };
  }

  reset(db: Database.Database): void {
    db.exec('DELETE FROM payouts; DELETE FROM fallback_queue;');
  }

  /**
   * Folds the batch order by order, then writes each order's rows once (an
   * order usually has several events per batch). The fallback row keeps the
   * time the order last entered the view, exactly as event-by-event
   * application would, so a rebuild (other batches) gives the same rows.
   */
  apply(_db: Database.Database, events: readonly StoredEvent[]): void {
    const folded = new Map<string, FoldedOrder>();
    for (const event of events) {
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId === null || !isPayoutEvent(event)) continue;
      let order = folded.get(orderId);
      if (!order) folded.set(orderId, (order = { state: this.read(orderId), dueAt: null, enteredAt: null, leftView: false }));
      order.state = evolve(order.state, toPayoutEvent(event));
      if (order.state.status === 'NONE') continue;
      order.dueAt = fallbackDueAt(order.state, fallbackTimings(this.settings));
      if (order.dueAt === null) {
        order.leftView = true;
        order.enteredAt = null;
      } else {
        order.enteredAt ??= order.state.updatedAt;
      }
    }
    for (const [orderId, order] of folded) if (order.state.status !== 'NONE') this.write(orderId, order.state, order);
  }

  private read(orderId: string): PayoutState {
    const row = this.statements!.get.get(orderId);
    return row ? (JSON.parse(row.state) as Payout) : initialPayoutState();
  }

  private write(orderId: string, state: Payout, { dueAt, enteredAt, leftView }: FoldedOrder): void {
    this.statements!.upsert.run(
      orderId,
      state.status,
      state.createdAt,
      state.updatedAt,
      JSON.stringify(state),
      JSON.stringify(toPayoutView(state)),
    );
    if (dueAt === null) {
      this.statements!.dequeue.run(orderId);
      return;
    }
    // Left the view and came back within the batch: a new stay, whatever the row said.
    const enqueue = leftView ? this.statements!.requeue : this.statements!.enqueue;
    enqueue.run(orderId, state.status, state.attempts, state.lastError, enteredAt!, dueAt);
  }
}

/** One order's fold over a batch. */
interface FoldedOrder {
  state: PayoutState;
  dueAt: string | null;
  /** When the order (last) entered the fallback view during the batch; null while out of it. */
  enteredAt: string | null;
  /** Out of the view after some event of the batch. */
  leftView: boolean;
}
