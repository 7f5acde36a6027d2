import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PAYOUT_SETTINGS, PayoutSettings, payoutPolicy } from '../../application/payout-settings';
import { PayoutState, initialPayoutState } from '../../domain/payout/payout-state';
import { Projection } from './projection';
import { foldPayoutBatch, parsePayoutState, payoutOrdersOf } from './payouts-fold';

/** The payouts projection's tables and their keys (both storages). */
export const PAYOUTS_TABLES = [
  { name: 'payouts', key: 'order_id' },
  { name: 'fallback_queue', key: 'order_id' },
];

/**
 * One row per order: the folded decider state (so the row is exactly what
 * GET /v1/payouts/{id} computes from the stream) and the Payout view; and the
 * fallback view, derived from the same fold in the same transaction so the
 * two can never disagree (payouts-fold.ts).
 */
@Injectable()
export class PayoutsProjection implements Projection {
  readonly name = 'payouts';
  readonly tables = PAYOUTS_TABLES;
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
    this.statements = {
      get: db.prepare('SELECT state FROM payouts WHERE order_id = ?'),
      upsert: db.prepare(
        `INSERT INTO payouts (order_id, status, created_at, updated_at, state, view) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, ` +
          `state = excluded.state, view = excluded.view`,
      ),
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

  apply(_db: Database.Database, events: readonly StoredEvent[]): void {
    const statements = this.statements!;
    const stored = new Map<string, PayoutState>();
    for (const orderId of payoutOrdersOf(events)) {
      const row = statements.get.get(orderId);
      if (row) stored.set(orderId, parsePayoutState(row.state));
    }
    for (const { payout, fallback } of foldPayoutBatch(events, stored, initialPayoutState, payoutPolicy(this.settings))) {
      statements.upsert.run(payout.orderId, payout.status, payout.createdAt, payout.updatedAt, payout.state, payout.view);
      if (fallback === null) {
        statements.dequeue.run(payout.orderId);
        continue;
      }
      const { row, requeue } = fallback;
      (requeue ? statements.requeue : statements.enqueue).run(
        row.orderId,
        row.status,
        row.attempts,
        row.lastError,
        row.queuedAt,
        row.nextAttemptAt,
      );
    }
  }
}
