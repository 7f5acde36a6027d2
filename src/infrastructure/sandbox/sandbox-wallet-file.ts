import Database from 'better-sqlite3';
import { SandboxPayment } from './sandbox-wallet-ledger';

/**
 * The sandbox wallet's ground truth on disk (DATA_DIR/sandbox-wallet.sqlite),
 * so a restarted service meets the wallet it left: a hash it paid before the
 * crash is refused as a duplicate, as by a real wallet, and reconciliation
 * finds the payments. Written before the wallet answers, like a real node.
 */
export class SandboxWalletFile {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<[string, string]>;
  private readonly setBalance: Database.Statement<[number]>;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS payments (payment_hash TEXT PRIMARY KEY, payment TEXT NOT NULL, seq INTEGER NOT NULL);' +
        'CREATE TABLE IF NOT EXISTS wallet (id INTEGER PRIMARY KEY CHECK (id = 1), balance_msat INTEGER NOT NULL);',
    );
    // A new hash goes last; an update keeps its place.
    this.upsert = this.db.prepare(
      'INSERT INTO payments (payment_hash, payment, seq) VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payments)) ' +
        'ON CONFLICT (payment_hash) DO UPDATE SET payment = excluded.payment',
    );
    this.setBalance = this.db.prepare(
      'INSERT INTO wallet (id, balance_msat) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET balance_msat = excluded.balance_msat',
    );
  }

  /** The balance and the payments in the order they were first made; null balance: a new wallet. */
  load(): { balanceMsat: number | null; payments: SandboxPayment[] } {
    const wallet = this.db.prepare<[], { balance_msat: number }>('SELECT balance_msat FROM wallet WHERE id = 1').get();
    const payments = this.db
      .prepare<[], { payment: string }>('SELECT payment FROM payments ORDER BY seq')
      .all()
      .map((row) => JSON.parse(row.payment) as SandboxPayment);
    return { balanceMsat: wallet?.balance_msat ?? null, payments };
  }

  /** One transaction: a payment and the balance it moved are on disk together or not at all. */
  save(balanceMsat: number, payment: SandboxPayment | null): void {
    this.db.transaction(() => {
      if (payment) this.upsert.run(payment.paymentHash, JSON.stringify(payment));
      this.setBalance.run(balanceMsat);
    })();
  }

  close(): void {
    this.db.close();
  }
}
