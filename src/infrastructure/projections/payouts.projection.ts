import { Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { toPayoutView } from '../../application/payouts/payout-view';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { PayoutState, evolve } from '../../domain/payout/payout-state';
import { Projection } from './projection';

const STREAM_PREFIX = 'payout-';

/**
 * One row per order: the folded decider state (so the row is exactly what
 * GET /v1/payouts/{id} computes from the stream) and the Payout view.
 */
@Injectable()
export class PayoutsProjection implements Projection {
  readonly name = 'payouts';
  private statements: {
    get: Database.Statement<[string], { state: string }>;
    upsert: Database.Statement<[string, string, string, string, string, string]>;
  } | null = null;

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
    CREATE INDEX IF NOT EXISTS payouts_by_status ON payouts (status, created_at, order_id);`);
    this.statements = {
      get: db.prepare('SELECT state FROM payouts WHERE order_id = ?'),
      upsert: db.prepare(`INSERT INTO payouts (order_id, status, created_at, updated_at, state, view) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, state = excluded.state, view = excluded.view`),
    };
  }

  reset(db: Database.Database): void {
    db.exec('DELETE FROM payouts');
  }

  apply(_db: Database.Database, event: StoredEvent): void {
    if (!event.stream.startsWith(STREAM_PREFIX) || !isPayoutEvent(event)) return;
    const orderId = event.stream.slice(STREAM_PREFIX.length);
    const row = this.statements!.get.get(orderId);
    const before: PayoutState | null = row ? JSON.parse(row.state) : null;
    const state = evolve(before, toPayoutEvent(event));
    if (!state) return;
    this.statements!.upsert.run(orderId, state.status, state.createdAt, state.updatedAt, JSON.stringify(state), JSON.stringify(toPayoutView(state)));
  }
}
