import { Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { StoredEvent } from '../../application/ports/event-store.port';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';
import { Projection } from './projection';

/**
 * What GET /v1/admin/stats sums, kept indexed by time so the answer costs a
 * few index range scans: every order's amount and settlement, and every
 * Voltz 520 with who sent it.
 */
@Injectable()
export class AdminStatsProjection implements Projection {
  readonly name = 'admin-stats';
  readonly tables = [
    { name: 'settlements', key: 'order_id' },
    { name: 'voltz_520', key: 'event_id' },
  ];
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
      // The first settlement counts: a later one would be a violation `ledger verify` reports, not money paid twice here.
      settle: db.prepare('UPDATE settlements SET fee_msat = ?, settled_at = ? WHERE order_id = ? AND settled_at IS NULL'),
      http520: db.prepare('INSERT OR IGNORE INTO voltz_520 (event_id, source, received_at) VALUES (?, ?, ?)'),
    };
  }

  reset(db: Database.Database): void {
    db.exec('DELETE FROM settlements; DELETE FROM voltz_520;');
  }

  apply(_db: Database.Database, events: readonly StoredEvent[]): void {
    const statements = this.statements!;
    for (const event of events) {
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId === null) continue;
      const data = event.data;
      if (event.type === 'PixConfirmed') statements.confirm.run(orderId, Number(data.amountSats));
      else if (event.type === 'PaymentSettled') statements.settle.run(Number(data.feeMsat), String(data.settledAt), orderId);
      else if (event.type === 'Payment520') statements.http520.run(event.id, String(data.source), String(data.receivedAt));
    }
  }
}
