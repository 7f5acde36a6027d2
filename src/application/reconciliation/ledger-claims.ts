import { EventStore } from '../ports/event-store.port';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';

/**
 * What the ledger says about every payment hash, gathered in one pass over
 * the log: which order claimed it and for how much, and which hash settled
 * each order. Only these few fields per hash are kept, never the events.
 */
export class LedgerClaims {
  private readonly claims = new Map<string, { orderId: string; amountMsat: number }>();
  private readonly settledHashes = new Map<string, string>();
  private readonly doublePaid = new Set<string>();

  static async read(store: EventStore, onEvent: () => void = () => undefined): Promise<LedgerClaims> {
    const ledger = new LedgerClaims();
    for await (const event of store.readAll()) {
      onEvent();
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId === null) continue;
      if (event.type === 'PaymentAttempted') {
        ledger.claims.set(String(event.data.paymentHash), { orderId, amountMsat: Number(event.data.amountMsat) });
      } else if (event.type === 'PaymentSettled' && !ledger.settledHashes.has(orderId)) {
        ledger.settledHashes.set(orderId, String(event.data.paymentHash));
      } else if (event.type === 'DoublePaymentDetected') {
        ledger.doublePaid.add(String(event.data.paymentHash));
      }
    }
    return ledger;
  }

  claim(paymentHash: string): { orderId: string; amountMsat: number } | undefined {
    return this.claims.get(paymentHash);
  }

  /** A second paid hash the order's stream already recorded (DoublePaymentDetected). */
  isKnownDoublePayment(paymentHash: string): boolean {
    return this.doublePaid.has(paymentHash);
  }

  settledHash(orderId: string): string | undefined {
    return this.settledHashes.get(orderId);
  }

  /** The reconciliation's own reading of a payment it is about to settle, so later pages see the order settled. */
  markSettled(orderId: string, paymentHash: string): void {
    this.settledHashes.set(orderId, paymentHash);
  }

  get settledCount(): number {
    return this.settledHashes.size;
  }

  settlements(): IterableIterator<[string, string]> {
    return this.settledHashes.entries();
  }
}
