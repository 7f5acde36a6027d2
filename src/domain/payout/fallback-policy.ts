import { PayoutTimings, watchAfterTheEnd } from './payout-next-step';
import { Payout, liveHash } from './payout-state';

export interface FallbackTimings extends PayoutTimings {
  /** A claim with no answer may still be in its worker's hands this long (the wallet call's timeout). */
  claimTimeoutMs: number;
}

/**
 * the fallback view of docs/architecture.md: an order belongs there while it can still make
 * progress on its own — an outcome to resolve (pending, unknown, or a claim
 * with no answer at all: a crash mid-payment), a retry queued, an address to
 * resolve or an invoice to pay that nobody is working on, or, once settled
 * cancelled or FAILED, hashes of it still to watch (rule 8). Orders that wait
 * for the customer (AWAITING_DESTINATION, FAILED) or for an admin, or are
 * over, are not in it otherwise. Returns when the sweep should look at it, or null.
 */
export function fallbackDueAt(state: Payout, timings: FallbackTimings): string | null {
  if (state.settlement || state.cancelled || state.status === 'FAILED') return watchAfterTheEnd(state, timings)?.dueAt ?? null;
  const live = liveHash(state);
  if (live) {
    // An unanswered claim may still be in its worker's hands until the wallet call times out.
    if (live.outcome === 'in_flight') return new Date(Date.parse(live.lastAttemptedAt) + timings.claimTimeoutMs).toISOString();
    return state.retryQueuedUntil ?? state.updatedAt;
  }
  if (state.status === 'RETRY_QUEUED') return state.retryQueuedUntil;
  if (state.status === 'RESOLVING' || state.status === 'PAYING') {
    let dueMs = Date.parse(state.updatedAt) + timings.claimTimeoutMs;
    const invoice = state.currentInvoice;
    if (invoice && state.hashes[invoice.paymentHash]) {
      // A sent invoice that has just expired waits out its slack before the order moves on.
      const expiryMs = Date.parse(invoice.expiresAt);
      if (dueMs >= expiryMs && dueMs < expiryMs + timings.sentInvoiceSlackMs) dueMs = expiryMs + timings.sentInvoiceSlackMs;
    }
    return new Date(dueMs).toISOString();
  }
  return null;
}
