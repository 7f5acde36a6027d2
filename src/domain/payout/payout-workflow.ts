import { Invoice } from '../destination/invoice';
import { RetryCause } from '../payment/wallet-answers';
import { PayoutRules } from './payout-decider';
import { PaymentHashRecord, Payout, PayoutState, deadUnverified, isDead, isLive, liveHash } from './payout-state';

/**
 * The payout process as a pure workflow (in the manner of Emmett's workflows), and the one place that plans: given
 * the payout's state, the in-process run so far and "now", it says what to do next and, for the fallback view,
 * when the sweep should look again. The application performs each action, records its outcome through the decider,
 * folds the outcome into the run, and asks again. Every planning rule is written here once: which step comes next,
 * how long a claim without an answer may still be in a worker's hands, retry counting, escalation thresholds.
 */
export type WorkflowAction =
  | { kind: 'finish'; reason: string }
  | { kind: 'resolve'; address: string; amountSats: number }
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'check_status'; paymentHash: string }
  | { kind: 'recheck'; paymentHash: string }
  | { kind: 'expire_invoice'; paymentHash: string }
  | { kind: 'escalate'; reason: string }
  | { kind: 'queue_retry'; reason: string; nextAttemptAt: string; cause: RetryCause | null }
  /** Wait in process before the next try; the payout is read afresh afterwards. */
  | { kind: 'back_off'; tryNumber: number };

/**
 * How an effect ended, as far as the workflow cares (the facts themselves are events): the payout moved on; nothing
 * was concluded (try again after a backoff); the wallet's state held the payment back before any claim (wait in the
 * fallback view); or this run is over (another worker took over, a permanent refusal).
 */
export type EffectOutcome =
  | { kind: 'progress' }
  | { kind: 'wait'; reason: string }
  | { kind: 'held'; reason: string; cause: RetryCause }
  | { kind: 'stop'; reason: string };

/** The in-process part of one run: the tries that ended waiting, and the outcome still to act on. */
export interface WorkflowRun {
  tries: number;
  steps: number;
  pending: Exclude<EffectOutcome, { kind: 'progress' }> | null;
}

/** Everything the planning reads from the configuration, the decider's rules included. */
export interface PayoutPolicy extends PayoutRules {
  /** A fresh invoice minted by a Lightning Address is not paid this close to its expiry. */
  invoiceMarginMs: number;
  /** A claim with no answer may still be in its worker's hands this long (the wallet call's timeout). */
  claimTimeoutMs: number;
  paymentRetryAttempts: number;
  paymentRetryBaseMs: number;
  escalateAfterAttempts: number;
}

/** The part of the policy the fallback view's due times depend on: recorded with the service's timings for audits. */
export type FallbackTimings = Pick<PayoutPolicy, 'invoiceMarginMs' | 'paymentNotFoundGraceMs' | 'sentInvoiceSlackMs' | 'claimTimeoutMs'>;

/** A claim younger than the wallet timeout plus this may still be in another worker's hands: its POST can be under way. */
export const IN_FLIGHT_SLACK_MS = 5_000;
/** Bounds the straight-on steps of one run (resolve -> pay -> ...), whatever the answers. */
export const MAX_STEPS_PER_RUN = 50;

export const startRun = (): WorkflowRun => ({ tries: 0, steps: 0, pending: null });

/** Until when a claim without an answer may still be in its worker's hands: nobody else looks at it before. */
function claimOpenUntilMs(record: PaymentHashRecord, timings: Pick<PayoutPolicy, 'claimTimeoutMs'>): number {
  return Date.parse(record.lastAttemptedAt) + timings.claimTimeoutMs + IN_FLIGHT_SLACK_MS;
}

/** What to do next for this payout. Pure. */
export function nextAction(state: PayoutState, run: WorkflowRun, now: Date, policy: PayoutPolicy): WorkflowAction {
  const pending = run.pending;
  if (pending?.kind === 'stop') return finish(pending.reason);
  if (pending?.kind === 'held') return hold(state, pending, now);
  if (pending?.kind === 'wait') {
    // An escalated order is only watched (one status check per revisit) until a human acts.
    if (state.status === 'NONE' || state.escalated) return finish(pending.reason);
    if (run.tries >= policy.paymentRetryAttempts) return queueRetry(state, pending.reason, now, policy);
    return { kind: 'back_off', tryNumber: run.tries };
  }
  if (run.steps >= MAX_STEPS_PER_RUN) return finish('step budget of one run spent');
  if (state.status === 'NONE') return finish('no such payout');
  const step = nextStep(state, now, policy);
  switch (step.kind) {
    case 'none':
      return finish(step.reason);
    case 'check_status':
      if (step.payment.outcome === 'in_flight' && now.getTime() < claimOpenUntilMs(step.payment, policy)) {
        return finish('a claim without an answer is still within the Voltz timeout');
      }
      return { kind: 'check_status', paymentHash: step.payment.paymentHash };
    case 'recheck':
      return { kind: 'recheck', paymentHash: step.payment.paymentHash };
    case 'resolve':
      return { kind: 'resolve', address: step.address, amountSats: state.amountSats };
    case 'expire_invoice':
      return { kind: 'expire_invoice', paymentHash: step.paymentHash };
    case 'pay': {
      const attempts = state.attempts - state.escalationBaseline.attempts;
      if (attempts >= policy.escalateAfterAttempts) return { kind: 'escalate', reason: `${attempts} payment attempts without settlement` };
      return { kind: 'pay', invoice: step.invoice };
    }
    default: {
      const unreachable: never = step;
      throw new Error(`Unknown step ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The run after an action and the outcome of its effect. Pure. */
export function evolveRun(run: WorkflowRun, action: WorkflowAction, outcome: EffectOutcome): WorkflowRun {
  switch (action.kind) {
    case 'back_off':
      return { ...run, pending: null };
    case 'queue_retry':
    case 'escalate':
    case 'finish':
      // Queueing or escalating ends the run: the sweep, or a human, takes over.
      return { ...run, pending: { kind: 'stop', reason: action.reason } };
    default:
      if (outcome.kind === 'progress') return { ...run, steps: run.steps + 1, pending: null };
      if (outcome.kind === 'wait') return { ...run, steps: run.steps + 1, tries: run.tries + 1, pending: outcome };
      return { ...run, steps: run.steps + 1, pending: outcome };
  }
}

const finish = (reason: string): WorkflowAction => ({ kind: 'finish', reason });

/** In-process tries are spent: the sweep takes over once due, or a human once the rounds are spent too. */
function queueRetry(state: Payout, reason: string, now: Date, policy: PayoutPolicy): WorkflowAction {
  if (state.settlement || state.cancelled) return finish(reason);
  const rounds = state.retriesQueued - state.escalationBaseline.retriesQueued;
  if (rounds >= policy.escalateAfterAttempts)
    return { kind: 'escalate', reason: `still unresolved after ${rounds} retry rounds: ${reason}` };
  // The backoff series goes on where the in-process tries stopped.
  const delayMs = policy.paymentRetryBaseMs * 2 ** policy.paymentRetryAttempts;
  return { kind: 'queue_retry', reason, nextAttemptAt: new Date(now.getTime() + delayMs).toISOString(), cause: null };
}

/**
 * The wallet's state held the payment back: the order waits in the fallback view, due at once — the wallet, not the
 * clock, decides when it can go on. The decider records one RetryQueued per hold, not one per sweep.
 */
function hold(state: PayoutState, held: Extract<EffectOutcome, { kind: 'held' }>, now: Date): WorkflowAction {
  if (state.status === 'NONE' || state.settlement || state.cancelled || state.escalated) return finish(held.reason);
  return { kind: 'queue_retry', reason: held.reason, nextAttemptAt: now.toISOString(), cause: held.cause };
}

/** What the payout needs next, read from its state alone: the steps of nextAction before the run's bookkeeping. */
export type NextStep =
  | { kind: 'none'; reason: string }
  | { kind: 'check_status'; payment: PaymentHashRecord }
  | { kind: 'recheck'; payment: PaymentHashRecord }
  | { kind: 'resolve'; address: string }
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'expire_invoice'; paymentHash: string };

/**
 * docs/architecture.md, rules 3, 4 and 8: a hash that could still settle is only ever resolved by a status check;
 * once every hash is dead, pay the current invoice (a hash dead by 404 keeps its invoice, so it is re-POSTed as is
 * until it has really expired; a fresh invoice too close to expiry is dropped), else resolve the address again — but
 * a dead hash is looked at once more before another hash is claimed or minted. After the end, the order's other
 * hashes are watched once the grace period has passed, so a wallet that paid a hash it had called dead is caught.
 */
export function nextStep(state: PayoutState, now: Date, policy: Omit<FallbackTimings, 'claimTimeoutMs'>): NextStep {
  if (state.status === 'NONE') return { kind: 'none', reason: 'no such payout' };
  if (state.settlement || state.cancelled) return watchWhileWaiting(state, now, policy, state.settlement ? 'settled' : 'cancelled');
  const live = liveHash(state);
  if (live) return { kind: 'check_status', payment: live };
  if (state.escalated) return { kind: 'none', reason: 'needs attention' };
  if (!state.destination) return { kind: 'none', reason: 'awaiting destination' };
  if (state.needsNewDestination) return watchWhileWaiting(state, now, policy, 'awaiting a new destination');
  const invoice = state.currentInvoice;
  if (invoice) {
    const remainingMs = Date.parse(invoice.expiresAt) - now.getTime();
    if (state.hashes[invoice.paymentHash]) {
      // Already sent (dead by 404, or refused before the wallet recorded it): re-sent as is while unexpired, and
      // abandoned only once the payee can no longer accept it — a new invoice could be paid beside a late copy.
      if (-remainingMs >= policy.sentInvoiceSlackMs) return { kind: 'expire_invoice', paymentHash: invoice.paymentHash };
      if (remainingMs <= 0) return { kind: 'none', reason: 'the sent invoice expired; it is abandoned once its expiry slack has passed' };
      return { kind: 'pay', invoice };
    }
    // The bot's own BOLT11 is paid while it is valid (wallets issue 10-minute invoices); one minted by an address
    // must leave room for the payment itself, or it is dropped and a fresh one asked for.
    const marginMs = state.destination.kind === 'bolt11' ? 0 : policy.invoiceMarginMs;
    if (remainingMs <= 0 || remainingMs < marginMs) return { kind: 'expire_invoice', paymentHash: invoice.paymentHash };
    return recheckFirst(state) ?? { kind: 'pay', invoice };
  }
  if (state.destination.kind === 'lightning_address') {
    return recheckFirst(state) ?? { kind: 'resolve', address: state.destination.value };
  }
  return watchWhileWaiting(state, now, policy, 'awaiting a new invoice');
}

function recheckFirst(state: Payout): NextStep | null {
  const unverified = deadUnverified(state);
  return unverified ? { kind: 'recheck', payment: unverified } : null;
}

/** An order at rest (settled, cancelled, or FAILED and waiting for the customer) still has its dead hashes watched. */
function watchWhileWaiting(state: Payout, now: Date, policy: Pick<PayoutPolicy, 'paymentNotFoundGraceMs'>, reason: string): NextStep {
  const watched = watchAfterTheEnd(state, policy);
  if (!watched) return { kind: 'none', reason };
  if (Date.parse(watched.dueAt) > now.getTime()) return { kind: 'none', reason: `${reason}; other hashes are re-checked later` };
  return isLive(watched.payment) ? { kind: 'check_status', payment: watched.payment } : { kind: 'recheck', payment: watched.payment };
}

/**
 * The next hash of a settled, cancelled or FAILED order to look at, and when: one that could still settle at once,
 * one declared dead once the grace period after the end has passed (the wallet's own records may lag that long). A
 * wallet that paid a hash it had called dead is caught here: a double payment, or money truth for an order that had
 * given up.
 */
function watchAfterTheEnd(
  state: Payout,
  policy: Pick<PayoutPolicy, 'paymentNotFoundGraceMs'>,
): { payment: PaymentHashRecord; dueAt: string } | null {
  const endedAt = state.settlement?.settledAt ?? state.cancelledAt ?? state.failedAt;
  if (!endedAt) return null;
  const others = Object.values(state.hashes).filter((record) => record.paymentHash !== state.settlement?.paymentHash);
  const live = others.find(isLive);
  if (live) return { payment: live, dueAt: endedAt };
  const dueAt = new Date(Date.parse(endedAt) + policy.paymentNotFoundGraceMs).toISOString();
  const unverified = others.find((record) => isDead(record) && (record.recheckedAt === null || record.recheckedAt < dueAt));
  return unverified ? { payment: unverified, dueAt } : null;
}

/**
 * When the sweep should look at this order again, or null when it is not in the fallback view. An order is there
 * while it can still make progress on its own: an outcome to resolve (pending, unknown, or a claim with no answer at
 * all: a crash mid-payment), a retry queued, an address to resolve or an invoice to pay that nobody is working on,
 * or, once settled, cancelled or FAILED, hashes of it still to watch (rule 8). Orders that wait for the customer or
 * for an admin, or are over, are not in it. The due times follow nextAction's own rules, so a sweep never picks an
 * order only to find that it must wait.
 */
export function fallbackDueAt(state: Payout, timings: FallbackTimings): string | null {
  if (state.settlement || state.cancelled || state.status === 'FAILED') return watchAfterTheEnd(state, timings)?.dueAt ?? null;
  const live = liveHash(state);
  if (live) {
    if (live.outcome === 'in_flight') return new Date(claimOpenUntilMs(live, timings)).toISOString();
    return state.retryQueuedUntil ?? state.updatedAt;
  }
  if (state.status === 'RETRY_QUEUED') return state.retryQueuedUntil;
  if (state.status === 'RESOLVING' || state.status === 'PAYING') {
    // Nobody is working on it once a run would have ended: the wallet call's timeout after its last change.
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
