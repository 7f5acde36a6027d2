import { RetryCause } from '../payment/wallet-answers';
/**
 * The circuit breaker on payment POSTs: pure, time passed in. It
 * only saves the wallet and the ledger from hopeless POSTs during an
 * incident; exactly-once never depends on it (the claim still decides).
 */
export type BreakerPosition = 'closed' | 'open' | 'half_open';

export interface CircuitBreaker {
  position: BreakerPosition;
  /** When the breaker took its current position. */
  since: string;
  consecutiveUnknownPosts: number;
}

export interface BreakerRules {
  /** Consecutive unknown POST answers that open the breaker. */
  threshold: number;
}

export interface BreakerTransition {
  from: BreakerPosition;
  to: BreakerPosition;
  reason: string;
  consecutiveUnknownPosts: number;
  at: string;
}

export interface BreakerStep {
  breaker: CircuitBreaker;
  transition: BreakerTransition | null;
}

export type PaymentPermit = { allowed: true } | { allowed: false; reason: string; cause: RetryCause };

export function closedBreaker(at: Date): CircuitBreaker {
  return { position: 'closed', since: at.toISOString(), consecutiveUnknownPosts: 0 };
}

function move(breaker: CircuitBreaker, to: BreakerPosition, reason: string, at: Date, consecutiveUnknownPosts: number): BreakerStep {
  const next: CircuitBreaker = { position: to, since: at.toISOString(), consecutiveUnknownPosts };
  return { breaker: next, transition: { from: breaker.position, to, reason, consecutiveUnknownPosts, at: next.since } };
}

/**
 * A payment POST's answer. "unknown" (Cloudflare 520/524, other 5xx, timeout,
 * reset) counts towards opening; any answer of LNbits itself resets the count.
 * Only a closed breaker moves on a payment's answer: once open, no real order
 * is ever the trial, and answers of POSTs still under way only update the count.
 */
export function recordPaymentAnswer(breaker: CircuitBreaker, unknown: boolean, detail: string, at: Date, rules: BreakerRules): BreakerStep {
  const count = unknown ? breaker.consecutiveUnknownPosts + 1 : 0;
  if (breaker.position === 'closed' && count >= rules.threshold) {
    return move(breaker, 'open', `${count} consecutive payment POSTs ended unknown, the last: ${detail}`, at, count);
  }
  return { breaker: { ...breaker, consecutiveUnknownPosts: count }, transition: null };
}

/**
 * The invoice probe (a 1-sat invoice created by POST, the payment path with no
 * money moving) is about to be sent: an open breaker is half-open while it is out.
 */
export function startInvoiceProbe(breaker: CircuitBreaker, at: Date): BreakerStep {
  if (breaker.position !== 'open') return { breaker, transition: null };
  return move(breaker, 'half_open', 'the invoice probe is under way', at, breaker.consecutiveUnknownPosts);
}

/** The invoice probe's answer: the only way back to "closed". */
export function recordInvoiceProbe(breaker: CircuitBreaker, ok: boolean, detail: string, at: Date): BreakerStep {
  if (breaker.position !== 'half_open') return { breaker, transition: null };
  return ok
    ? move(breaker, 'closed', `the invoice probe answered: ${detail}`, at, 0)
    : move(breaker, 'open', `the invoice probe failed: ${detail}`, at, breaker.consecutiveUnknownPosts);
}

/** Asked right before a payment would be claimed: only a closed breaker lets payments through. */
export function paymentPermit(breaker: CircuitBreaker): PaymentPermit {
  switch (breaker.position) {
    case 'closed':
      return { allowed: true };
    case 'open':
      return { allowed: false, reason: `wallet unavailable: circuit breaker open since ${breaker.since}`, cause: 'wallet_unavailable' };
    case 'half_open':
      return {
        allowed: false,
        reason: `wallet unavailable: circuit breaker half-open since ${breaker.since}, the invoice probe is under way`,
        cause: 'wallet_unavailable',
      };
  }
}
