import { Invoice } from '../destination/invoice';
import { PaymentHashRecord, PayoutState, liveHash } from './payout-state';

/** What the payout process should do next for an order, read from its state alone. */
export type NextStep =
  | { kind: 'none'; reason: string }
  | { kind: 'check_status'; payment: PaymentHashRecord }
  | { kind: 'resolve'; address: string }
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'expire_invoice'; paymentHash: string };

/**
 * design.md rules 3 and 4: a hash that could still settle is only ever
 * resolved by a status check; once every hash is dead, pay the current invoice
 * (a hash dead by 404 keeps its invoice, so it is re-POSTed as is while it is
 * unexpired; a fresh invoice too close to expiry is dropped), else resolve the
 * address again.
 */
export function nextStep(state: PayoutState | null, now: Date, invoiceMarginMs: number): NextStep {
  if (!state) return { kind: 'none', reason: 'no such payout' };
  if (state.settlement) return { kind: 'none', reason: 'settled' };
  if (state.cancelled) return { kind: 'none', reason: 'cancelled' };
  const live = liveHash(state);
  if (live) return { kind: 'check_status', payment: live };
  if (state.escalated) return { kind: 'none', reason: 'needs attention' };
  if (!state.destination) return { kind: 'none', reason: 'awaiting destination' };
  if (state.needsNewDestination) return { kind: 'none', reason: 'awaiting a new destination' };
  const invoice = state.currentInvoice;
  if (invoice) {
    // A fresh invoice needs the margin; one already sent (dead by 404) is re-sent until it really expires,
    // because a new invoice could be paid alongside a late copy of the first request.
    const alreadySent = state.hashes[invoice.paymentHash] !== undefined;
    const remainingMs = Date.parse(invoice.expiresAt) - now.getTime();
    if (remainingMs <= 0 || (!alreadySent && remainingMs < invoiceMarginMs)) return { kind: 'expire_invoice', paymentHash: invoice.paymentHash };
    return { kind: 'pay', invoice };
  }
  if (state.destination.kind === 'lightning_address') return { kind: 'resolve', address: state.destination.value };
  return { kind: 'none', reason: 'awaiting a new invoice' };
}
