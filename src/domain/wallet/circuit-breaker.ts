/**
 * The circuit breaker on payment POSTs (issue 13): pure, time passed in. It
 * only saves the wallet and the ledger from hopeless POSTs during an
 * incident; exactly-once never depends on it (the claim still decides).
 */
export type BreakerPosition = 'closed' | 'open' | 'half_open';

export interface CircuitBreaker {
  position: BreakerPosition;
  /** When the breaker took its current position. */
  since: string;
  consecutiveUnknownPosts: number;
  /** While half-open: when the single trial payment was permitted (null while none is out). */
  trialPermittedAt: string | null;
}

export interface BreakerRules {
  /** Consecutive unknown POST answers that open the breaker. */
  threshold: number;
  /** A trial permit whose POST never answered (its claim lost a race, say) is handed out again after this long. */
  trialTimeoutMs: number;
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

export type PaymentPermit = { allowed: true } | { allowed: false; reason: string };

/** Every refusal starts with this, so an order already held back for it is recognised whatever the details. */
export const WALLET_UNAVAILABLE = 'wallet unavailable: circuit breaker';

export function closedBreaker(at: Date): CircuitBreaker {
  return { position: 'closed', since: at.toISOString(), consecutiveUnknownPosts: 0, trialPermittedAt: null };
}

function move(breaker: CircuitBreaker, to: BreakerPosition, reason: string, at: Date, consecutiveUnknownPosts: number): BreakerStep {
  const next: CircuitBreaker = { position: to, since: at.toISOString(), consecutiveUnknownPosts, trialPermittedAt: null };
  return { breaker: next, transition: { from: breaker.position, to, reason, consecutiveUnknownPosts, at: next.since } };
}

/**
 * A payment POST's answer. "unknown" (Cloudflare 520/524, other 5xx, timeout,
 * reset) counts towards opening; any answer of LNbits itself means the wallet
 * is up: it resets the count, and closes a half-open breaker.
 */
export function recordPaymentAnswer(breaker: CircuitBreaker, unknown: boolean, detail: string, at: Date, rules: BreakerRules): BreakerStep {
  const count = unknown ? breaker.consecutiveUnknownPosts + 1 : 0;
  if (breaker.position === 'half_open') {
    return unknown
      ? move(breaker, 'open', `trial payment answered unknown: ${detail}`, at, count)
      : move(breaker, 'closed', `trial payment answered: ${detail}`, at, 0);
  }
  if (breaker.position === 'closed' && count >= rules.threshold) {
    return move(breaker, 'open', `${count} consecutive payment POSTs ended unknown, the last: ${detail}`, at, count);
  }
  return { breaker: { ...breaker, consecutiveUnknownPosts: count }, transition: null };
}

/** A wallet probe (GET /api/v1/wallet, never a payment): the only way out of "open". */
export function recordProbe(breaker: CircuitBreaker, ok: boolean, detail: string, at: Date): BreakerStep {
  if (breaker.position === 'open' && ok)
    return move(breaker, 'half_open', 'the wallet probe succeeded', at, breaker.consecutiveUnknownPosts);
  if (breaker.position === 'half_open' && !ok)
    return move(breaker, 'open', `the wallet probe failed: ${detail}`, at, breaker.consecutiveUnknownPosts);
  return { breaker, transition: null };
}

/** Asked right before a payment would be claimed. Half-open lets exactly one through until its answer is known. */
export function requestPermit(breaker: CircuitBreaker, at: Date, rules: BreakerRules): { breaker: CircuitBreaker; permit: PaymentPermit } {
  switch (breaker.position) {
    case 'closed':
      return { breaker, permit: { allowed: true } };
    case 'open':
      return { breaker, permit: { allowed: false, reason: `${WALLET_UNAVAILABLE} open since ${breaker.since}` } };
    case 'half_open': {
      const trialOut = breaker.trialPermittedAt !== null && at.getTime() - Date.parse(breaker.trialPermittedAt) < rules.trialTimeoutMs;
      if (!trialOut) return { breaker: { ...breaker, trialPermittedAt: at.toISOString() }, permit: { allowed: true } };
      return {
        breaker,
        permit: { allowed: false, reason: `${WALLET_UNAVAILABLE} half-open since ${breaker.since}, a trial payment is under way` },
      };
    }
  }
}
