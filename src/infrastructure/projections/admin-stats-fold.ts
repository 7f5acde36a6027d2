import { StoredEvent } from '../../application/ports/event-store.port';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';

/**
 * What a batch adds to the stats tables. Both storages apply it in this
 * order: confirmations (a stored order is kept), then settlements (only an
 * order not settled yet takes one), then 520s (a stored event id is kept).
 */
export interface StatsChanges {
  /** At most one per order: the first confirmation's amount is the order's. */
  confirmations: { orderId: string; amountSats: number }[];
  /** At most one per order: the first settlement counts; a later one is a violation `ledger verify` reports, not money paid twice here. */
  settlements: { orderId: string; feeMsat: number; settledAt: string }[];
  http520s: { eventId: string; source: string; receivedAt: string }[];
}

export function statsChangesOf(events: readonly StoredEvent[]): StatsChanges {
  const changes: StatsChanges = { confirmations: [], settlements: [], http520s: [] };
  const confirmed = new Set<string>();
  const settled = new Set<string>();
  for (const event of events) {
    const orderId = orderIdOfPayoutStream(event.stream);
    if (orderId === null) continue;
    const data = event.data;
    if (event.type === 'PixConfirmed' && !confirmed.has(orderId)) {
      confirmed.add(orderId);
      changes.confirmations.push({ orderId, amountSats: Number(data.amountSats) });
    } else if (event.type === 'PaymentSettled' && !settled.has(orderId)) {
      settled.add(orderId);
      changes.settlements.push({ orderId, feeMsat: Number(data.feeMsat), settledAt: String(data.settledAt) });
    } else if (event.type === 'Payment520')
      changes.http520s.push({ eventId: event.id, source: String(data.source), receivedAt: String(data.receivedAt) });
  }
  return changes;
}
