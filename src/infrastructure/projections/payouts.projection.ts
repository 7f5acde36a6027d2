import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { toPayoutView } from '../../application/payouts/payout-view';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../application/payout-settings';
import { fallbackDueAt } from '../../domain/payout/fallback-policy';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { PayoutState, evolve } from '../../domain/payout/payout-state';
import { Projection } from './projection';

const STREAM_PREFIX = 'payout-';

/**
 * One row per order: the folded decider state (so the row is exactly what
 * GET /v1/payouts/{id} computes from the stream) and the Payout view; and the
 * fallback view, derived from the same fold in the same transaction so the
 * two can never disagree.
 */
@Injectable()
export class PayoutsProjection implements Projection {
  readonly name = 'payouts';
  private statements: {
    get: Database.Statement<[string], { state: string }>;
    upsert: Database.Statement<[string, string, string, string, string, string]>;
    enqueue: Database.Statement<[string, string, number, string | null, string, string]>;
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
    this.statements = {
      get: db.prepare('SELECT state FROM payouts WHERE order_id = ?'),
      upsert: db.prepare(`INSERT INTO payouts (order_id, status, created_at, updated_at, state, view) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, state = excluded.state, view = excluded.view`),
      // queued_at keeps the time the order entered the view, across updates.
      enqueue: db.prepare(`INSERT INTO fallback_queue (order_id, status, attempts, last_error, queued_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at`),
      dequeue: db.prepare('DELETE FROM fallback_queue WHERE order_id = ?'),
    };
  }

  reset(db: Database.Database): void {
    db.exec('DELETE FROM payouts; DELETE FROM fallback_queue;');
  }

  apply(_db: Database.Database, event: StoredEvent): void {
    if (!event.stream.startsWith(STREAM_PREFIX) || !isPayoutEvent(event)) return;
    const orderId = event.stream.slice(STREAM_PREFIX.length);
    const row = this.statements!.get.get(orderId);
    const before: PayoutState | null = row ? JSON.parse(row.state) : null;
    const state = evolve(before, toPayoutEvent(event));
    if (!state) return;
    this.statements!.upsert.run(orderId, state.status, state.createdAt, state.updatedAt, JSON.stringify(state), JSON.stringify(toPayoutView(state)));
    const dueAt = fallbackDueAt(state, this.settings.voltzTimeoutMs);
    if (dueAt === null) this.statements!.dequeue.run(orderId);
    else this.statements!.enqueue.run(orderId, state.status, state.attempts, state.lastError, state.updatedAt, dueAt);
  }
}
