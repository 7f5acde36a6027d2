import { Invoice } from '../destination/invoice';
import { deadUnverified } from './payout-decider';
import { PaymentHashRecord, Payout, PayoutState, isDead, isLive, liveHash } from './payout-state';

/** What the payout process should do next for an order, read from its state alone. */
export type NextStep =
  | { kind: 'none'; reason: string }
  | { kind: 'check_status'; payment: PaymentHashRecord }
  | { kind: 'recheck'; payment: PaymentHashRecord }
  | { kind: 'resolve'; address: string }
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'expire_invoice'; paymentHash: string };

/** The timings the next step depends on (from the configuration). */
export interface PayoutTimings {
  /** A fresh invoice minted by a Lightning Address is not paid this close to its expiry. */
  invoiceMarginMs: number;
  paymentNotFoundGraceMs: number;
  /** A sent invoice is abandoned only this long after its expiry (rule 8). */
  sentInvoiceSlackMs: number;
}

/**
 * docs/architecture.md, rules 3, 4 and 8: a hash that could still settle is only ever
 * resolved by a status check; once every hash is dead, pay the current invoice
 * (a hash dead by 404 keeps its invoice, so it is re-POSTed as is until it has
 * really expired; a fresh invoice too close to expiry is dropped), else resolve
 * the address again — but a dead hash is looked at once more before another
 * hash is claimed or minted. After settlement, the order's other hashes are
 * watched once the grace period has passed, so a wallet that paid a hash it
 * had called dead is caught.
 */
export function nextStep(state: PayoutState, now: Date, timings: PayoutTimings): NextStep {
  if (state.status === 'NONE') return { kind: 'none', reason: 'no such payout' };
  if (state.settlement || state.cancelled) return afterTheEnd(state, now, timings);
  const live = liveHash(state);
  if (live) return { kind: 'check_status', payment: live };
  if (state.escalated) return { kind: 'none', reason: 'needs attention' };
  if (!state.destination) return { kind: 'none', reason: 'awaiting destination' };
  if (state.needsNewDestination) return watchWhileWaiting(state, now, timings, 'awaiting a new destination');
  const invoice = state.currentInvoice;
  if (invoice) {
    const remainingMs = Date.parse(invoice.expiresAt) - now.getTime();
    if (state.hashes[invoice.paymentHash]) {
      // Already sent (dead by 404, or refused before the wallet recorded it): re-sent as is while unexpired, and
      // abandoned only once the payee can no longer accept it — a new invoice could be paid beside a late copy.
      if (-remainingMs >= timings.sentInvoiceSlackMs) return { kind: 'expire_invoice', paymentHash: invoice.paymentHash };
      if (remainingMs <= 0) return { kind: 'none', reason: 'the sent invoice expired; it is abandoned once its expiry slack has passed' };
      return { kind: 'pay', invoice };
    }
    // The bot's own BOLT11 is paid while it is valid (wallets issue 10-minute invoices); one minted by an address
    // must leave room for the payment itself, or it is dropped and a fresh one asked for.
    const marginMs = state.destination.kind === 'bolt11' ? 0 : timings.invoiceMarginMs;
    if (remainingMs <= 0 || remainingMs < marginMs) return { kind: 'expire_invoice', paymentHash: invoice.paymentHash };
    return recheckFirst(state) ?? { kind: 'pay', invoice };
  }
  if (state.destination.kind === 'lightning_address') return recheckFirst(state) ?? { kind: 'resolve', address: state.destination.value };
  return watchWhileWaiting(state, now, timings, 'awaiting a new invoice');
}

function recheckFirst(state: Payout): NextStep | null {
  const unverified = deadUnverified(state);
  return unverified ? { kind: 'recheck', payment: unverified } : null;
}

function afterTheEnd(state: Payout, now: Date, timings: PayoutTimings): NextStep {
  return watchWhileWaiting(state, now, timings, state.settlement ? 'settled' : 'cancelled');
}

/** An order at rest (settled, cancelled, or FAILED and waiting for the customer) still has its dead hashes watched. */
function watchWhileWaiting(state: Payout, now: Date, timings: PayoutTimings, reason: string): NextStep {
  const watched = watchAfterTheEnd(state, timings);
  if (!watched) return { kind: 'none', reason };
  if (Date.parse(watched.dueAt) > now.getTime()) return { kind: 'none', reason: `${reason}; other hashes are re-checked later` };
  return isLive(watched.payment) ? { kind: 'check_status', payment: watched.payment } : { kind: 'recheck', payment: watched.payment };
}

/**
 * The next hash of a settled, cancelled or FAILED order to look at, and
 * when: one that could still settle at once, one declared dead once the grace
 * period after the end has passed (the wallet's own records may lag that
 * long). A wallet that paid a hash it had called dead is caught here: a
 * double payment, or money truth for an order that had given up.
 */
export function watchAfterTheEnd(state: Payout, timings: PayoutTimings): { payment: PaymentHashRecord; dueAt: string } | null {
  const endedAt = state.settlement?.settledAt ?? state.cancelledAt ?? state.failedAt;
  if (!endedAt) return null;
  const others = Object.values(state.hashes).filter((record) => record.paymentHash !== state.settlement?.paymentHash);
  const live = others.find(isLive);
  if (live) return { payment: live, dueAt: endedAt };
  const dueAt = new Date(Date.parse(endedAt) + timings.paymentNotFoundGraceMs).toISOString();
  const unverified = others.find((record) => isDead(record) && (record.recheckedAt === null || record.recheckedAt < dueAt));
  return unverified ? { payment: unverified, dueAt } : null;
}
