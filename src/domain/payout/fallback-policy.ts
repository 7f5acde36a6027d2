import { PayoutState, liveHash } from './payout-state';

/**
 * design.md's fallback view: an order belongs there while it can still make
 * progress on its own — an outcome to resolve (pending, unknown, or a claim
 * with no answer at all: a crash mid-payment), a retry queued, an address to
 * resolve or an invoice to pay that nobody is working on. Orders that wait for
 * the customer (AWAITING_DESTINATION, FAILED) or for an admin, or are over,
 * are not in it. Returns when the sweep should look at it, or null.
 */
export function fallbackDueAt(state: PayoutState, claimTimeoutMs: number): string | null {
  if (state.settlement || state.cancelled) return null;
  const live = liveHash(state);
  if (live) {
    // An unanswered claim may still be in its worker's hands until the wallet call times out.
    if (live.outcome === 'in_flight') return new Date(Date.parse(live.lastAttemptedAt) + claimTimeoutMs).toISOString();
    return state.retryQueuedUntil ?? state.updatedAt;
  }
  if (state.status === 'RETRY_QUEUED') return state.retryQueuedUntil;
  if (state.status === 'RESOLVING' || state.status === 'PAYING') return new Date(Date.parse(state.updatedAt) + claimTimeoutMs).toISOString();
  return null;
}
