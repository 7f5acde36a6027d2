import { Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { statsChangesOf } from './admin-stats-fold';
import { Projection } from './projection';

/** The tables GET /v1/admin/stats sums, and their keys (both storages). */
export const ADMIN_STATS_TABLES = [
  { name: 'settlements', key: 'order_id' },
  { name: 'voltz_520', key: 'event_id' },
];

/**
 * What GET /v1/admin/stats sums, kept indexed by time so the answer costs a
 * few index range scans: every order's amount and settlement, and every
 * Voltz 520 with who sent it.
 */
@Injectable()
export class AdminStatsProjection implements Projection {
  readonly name = 'admin-stats';
  readonly tables = ADMIN_STATS_TABLES;
  private statements: {
    confirm: Database.Statement<[string, number]>;
    settle: Database.Statement<[number, string, string]>;
    http520: Database.Statement<[string, string, string]>;
  } | null = null;

  setup(db: Database.Database): void {
    db.exec(`CREATE TABLE IF NOT EXISTS settlements (
      order_id TEXT PRIMARY KEY,
      amount_sats INTEGER NOT NULL,
      fee_msat INTEGER,
      settled_at TEXT
    );
    CREATE INDEX IF NOT EXISTS settlements_by_time ON settlements (settled_at);
    CREATE TABLE IF NOT EXISTS voltz_520 (
      event_id TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      received_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS voltz_520_by_time ON voltz_520 (received_at, source);`);
    this.statements = {
      confirm: db.prepare('INSERT OR IGNORE INTO settlements (order_id, amount_sats) VALUES (?, ?)'),
      settle: db.prepare('UPDATE settlements SET fee_msat = ?, settled_at = ? WHERE order_id = ? AND settled_at IS NULL'),
      http520: db.prepare('INSERT OR IGNORE INTO voltz_520 (event_id, source, received_at) VALUES (?, ?, ?)'),
    };
  }

  reset(db: Database.Database): void {
    db.exec('DELETE FROM settlements; DELETE FROM voltz_520;');
  }

  apply(_db: Database.Database, events: readonly StoredEvent[]): void {
    const statements = this.statements!;
    const changes = statsChangesOf(events);
    for (const { orderId, amountSats } of changes.confirmations) statements.confirm.run(orderId, amountSats);
    for (const { orderId, feeMsat, settledAt } of changes.settlements) statements.settle.run(feeMsat, settledAt, orderId);
    for (const { eventId, source, receivedAt } of changes.http520s) statements.http520.run(eventId, source, receivedAt);
  }
}
