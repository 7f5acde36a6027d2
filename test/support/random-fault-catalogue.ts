import { PayFault, StatusFault } from '../../src/infrastructure/sandbox/sandbox-lnbits-faults';
import { intIn, weighted } from './seeded-random';

/**
 * The fault catalogue of the random-fault run (test/e2e/payout-random-faults.e2e-spec.ts): what the sandbox
 * wallet may answer to a pay POST and to the status checks after it, how often, and the other misbehaviours
 * the schedule draws from (Lightning Address users, service kills, a lying wallet).
 */

export type PayFaultName =
  | 'none'
  | 'lnbits520_failed'
  | 'lnbits520_pending_then_settles'
  | 'lnbits520_pending_nothing_moved'
  | 'cloudflare520_before_paying'
  | 'cloudflare520_after_paying'
  | 'cloudflare524_after_paying'
  | 'cloudflare520_after_paying_then_404_lag'
  | 'hang_after_paying'
  | 'hang_before_paying'
  | 'reset_before_paying'
  | 'reset_after_paying'
  | 'pending_201_then_settles'
  | 'http500_after_paying';

export const FIRST_POST_FAULTS: Record<PayFaultName, number> = {
  none: 26,
  lnbits520_failed: 7,
  lnbits520_pending_then_settles: 6,
  lnbits520_pending_nothing_moved: 4,
  // No injected 520 "Payment already paid." (success): the sandbox would send it even when its own ledger
  // refused the payment (a low-balance window), a lie real LNbits never tells about a fresh hash. The real
  // "already paid" answer comes from the wallet's duplicate protection on re-sends, which this schedule causes.
  cloudflare520_before_paying: 8,
  cloudflare520_after_paying: 8,
  cloudflare524_after_paying: 3,
  cloudflare520_after_paying_then_404_lag: 6,
  hang_after_paying: 4,
  hang_before_paying: 3,
  reset_before_paying: 4,
  reset_after_paying: 4,
  pending_201_then_settles: 6,
  http500_after_paying: 3,
};
/** Later POSTs of an order (re-sends, new invoices) are clean 80% of the time. */
export const LATER_POST_FAULTS: Record<PayFaultName, number> = {
  ...FIRST_POST_FAULTS,
  none: 4 * (Object.values(FIRST_POST_FAULTS).reduce((a, b) => a + b, 0) - FIRST_POST_FAULTS.none),
};

type StatusFaultName = 'none' | 'status_404_lag' | 'status_cloudflare520' | 'status_reset' | 'status_hang';
/** Added to a POST whose answer leaves the outcome open, so the status checks that follow misbehave too. */
const STATUS_FAULTS: Record<StatusFaultName, number> = {
  none: 65,
  status_404_lag: 15,
  status_cloudflare520: 10,
  status_reset: 6,
  status_hang: 4,
};
const OPEN_OUTCOME: ReadonlySet<PayFaultName> = new Set([
  'cloudflare520_before_paying',
  'cloudflare520_after_paying',
  'cloudflare524_after_paying',
  'hang_after_paying',
  'hang_before_paying',
  'reset_before_paying',
  'reset_after_paying',
  'http500_after_paying',
  'lnbits520_pending_nothing_moved',
]);

/** Answers LNbits itself gives (as opposed to the network's): the sandbox sends them even for a hash its ledger already holds. */
export const LNBITS_ANSWERS: ReadonlySet<PayFaultName> = new Set([
  'lnbits520_failed',
  'lnbits520_pending_then_settles',
  'lnbits520_pending_nothing_moved',
  'pending_201_then_settles',
]);

/** A status fault and how many status checks in a row it answers. */
export interface StatusFaultRule {
  fault: StatusFault;
  times: number;
}

/** What the wallet does to one pay POST: the answer to the POST, and what the status checks after it answer. */
export interface PostFaultRules {
  pay: PayFault | null;
  status: StatusFaultRule | null;
}

/**
 * The sandbox rules for a pay POST drawn as `name`: a POST whose answer leaves the outcome open also gets a
 * status fault drawn from STATUS_FAULTS (unless the pay fault brings its own).
 */
export function drawPostFaultRules(name: PayFaultName, rng: () => number): PostFaultRules {
  const rules = payFaultRules(name, rng);
  const status = rules.status ?? (OPEN_OUTCOME.has(name) ? statusFaultRule(weighted(rng, STATUS_FAULTS), rng) : null);
  return { pay: rules.pay, status };
}

function payFaultRules(name: PayFaultName, rng: () => number): PostFaultRules {
  const settleAfterChecks = intIn(rng, 1, 3);
  switch (name) {
    case 'none':
      return { pay: null, status: null };
    case 'lnbits520_failed':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'failed' }, status: null };
    case 'lnbits520_pending_then_settles':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'pending', settleAfterChecks }, status: null };
    case 'lnbits520_pending_nothing_moved':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'pending', effect: 'none' }, status: null };
    case 'cloudflare520_before_paying':
      return { pay: { kind: 'cloudflare', paid: false }, status: null };
    case 'cloudflare520_after_paying':
      return { pay: { kind: 'cloudflare', paid: true }, status: null };
    case 'cloudflare524_after_paying':
      return { pay: { kind: 'cloudflare', paid: true, httpStatus: 524 }, status: null };
    case 'cloudflare520_after_paying_then_404_lag':
      return { pay: { kind: 'cloudflare', paid: true }, status: { fault: { kind: 'not_found' }, times: intIn(rng, 1, 3) } };
    case 'hang_after_paying':
      return { pay: { kind: 'hang', paid: true }, status: null };
    case 'hang_before_paying':
      return { pay: { kind: 'hang', paid: false }, status: null };
    case 'reset_before_paying':
      return { pay: { kind: 'reset', paid: false }, status: null };
    case 'reset_after_paying':
      return { pay: { kind: 'reset', paid: true }, status: null };
    case 'pending_201_then_settles':
      return { pay: { kind: 'pending', settleAfterChecks }, status: null };
    case 'http500_after_paying':
      return { pay: { kind: 'http', httpStatus: 500, body: 'Internal Server Error', paid: true }, status: null };
  }
}

function statusFaultRule(name: StatusFaultName, rng: () => number): StatusFaultRule | null {
  switch (name) {
    case 'none':
      return null;
    case 'status_404_lag':
      return { fault: { kind: 'not_found' }, times: intIn(rng, 1, 3) };
    case 'status_cloudflare520':
      return { fault: { kind: 'cloudflare' }, times: intIn(rng, 1, 2) };
    case 'status_reset':
      return { fault: { kind: 'reset' }, times: 1 };
    case 'status_hang':
      return { fault: { kind: 'hang' }, times: 1 };
  }
}

/** Lightning Address users of the sandbox LNURL server; the misbehaving ones are chosen by username. */
export type LnurlUser = 'good' | 'flaky' | 'notfound' | 'error' | 'expired' | 'wrongamount' | 'outofrange';
export const LNURL_USERS: Record<LnurlUser, number> = {
  good: 82,
  flaky: 12,
  notfound: 1.5,
  error: 1.5,
  expired: 1,
  wrongamount: 1,
  outofrange: 1,
};

export type KillMode = 'mid_post_paid' | 'mid_post_unpaid' | 'mid_post_paid_late' | 'after_answer';
export const KILL_MODES: Record<KillMode, number> = { mid_post_paid: 3, mid_post_unpaid: 3, mid_post_paid_late: 1, after_answer: 2 };

/** How the wallet lies about an order's first payment (docs/architecture.md, rule 8). */
export type Lie = 'none' | 'failed_then_paid' | 'paid_then_404';
export const LIES: Record<Lie, number> = { none: 92, failed_then_paid: 4, paid_then_404: 4 };
