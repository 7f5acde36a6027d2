import { Invoice } from '../destination/invoice';
import { PayoutTimings, nextStep } from './payout-next-step';
import { Payout, PayoutState } from './payout-state';

/**
 * The payout process as a pure workflow (in the manner of Emmett's workflows):
 * given the payout's state, the in-process run so far and "now", it says what
 * to do next; the application performs that effect, records its outcome
 * through the decider, folds the outcome into the run, and asks again. Which
 * step follows which outcome, retry counting, escalation thresholds and when
 * to queue a retry all live here, so they are tested without the framework.
 */
export type WorkflowAction =
  | { kind: 'finish'; reason: string }
  | { kind: 'resolve'; address: string; amountSats: number }
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'check_status'; paymentHash: string }
  | { kind: 'recheck'; paymentHash: string }
  | { kind: 'expire_invoice'; paymentHash: string }
  | { kind: 'escalate'; reason: string }
  | { kind: 'queue_retry'; reason: string; nextAttemptAt: string }
  /** Wait in process before the next try; the payout is read afresh afterwards. */
  | { kind: 'back_off'; tryNumber: number };

/**
 * How an effect ended, as far as the workflow cares (the facts themselves are
 * events): the payout moved on; nothing was concluded (try again after a
 * backoff); the wallet gate refused before any claim (wait in the fallback
 * view, its reason reads "<hold>: <detail>"); or this run is over (another
 * worker took over, a permanent refusal).
 */
export type EffectOutcome =
  { kind: 'progress' } | { kind: 'wait'; reason: string } | { kind: 'held'; reason: string } | { kind: 'stop'; reason: string };

/** The in-process part of one run: the tries that ended waiting, and the outcome still to act on. */
export interface WorkflowRun {
  tries: number;
  steps: number;
  pending: Exclude<EffectOutcome, { kind: 'progress' }> | null;
}

export interface WorkflowPolicy extends PayoutTimings {
  /** A claim with no answer may still be in its worker's hands this long (the wallet call's timeout). */
  claimTimeoutMs: number;
  paymentRetryAttempts: number;
  paymentRetryBaseMs: number;
  escalateAfterAttempts: number;
}

/** A claim younger than the wallet timeout plus this may still be in another worker's hands: its POST can be under way. */
export const IN_FLIGHT_SLACK_MS = 5_000;
/** Bounds the straight-on steps of one run (resolve -> pay -> ...), whatever the answers. */
export const MAX_STEPS_PER_RUN = 50;

export const startRun = (): WorkflowRun => ({ tries: 0, steps: 0, pending: null });

/** What to do next for this payout. Pure. */
export function nextAction(state: PayoutState, run: WorkflowRun, now: Date, policy: WorkflowPolicy): WorkflowAction {
  const pending = run.pending;
  if (pending?.kind === 'stop') return finish(pending.reason);
  if (pending?.kind === 'held') return hold(state, pending.reason, now);
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
    case 'check_status': {
      const age = now.getTime() - Date.parse(step.payment.lastAttemptedAt);
      if (step.payment.outcome === 'in_flight' && age < policy.claimTimeoutMs + IN_FLIGHT_SLACK_MS) {
        return finish('a claim without an answer is still within the Voltz timeout');
      }
      return { kind: 'check_status', paymentHash: step.payment.paymentHash };
    }
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
function queueRetry(state: Payout, reason: string, now: Date, policy: WorkflowPolicy): WorkflowAction {
  if (state.settlement || state.cancelled) return finish(reason);
  const rounds = state.retriesQueued - state.escalationBaseline.retriesQueued;
  if (rounds >= policy.escalateAfterAttempts)
    return { kind: 'escalate', reason: `still unresolved after ${rounds} retry rounds: ${reason}` };
  // The backoff series goes on where the in-process tries stopped.
  const delayMs = policy.paymentRetryBaseMs * 2 ** policy.paymentRetryAttempts;
  return { kind: 'queue_retry', reason, nextAttemptAt: new Date(now.getTime() + delayMs).toISOString() };
}

/**
 * The gate held the payment back (the wallet is unavailable or short): the
 * order waits in the fallback view, due at once — the gate, not the clock,
 * decides — with one event per hold, not one per sweep.
 */
function hold(state: PayoutState, reason: string, now: Date): WorkflowAction {
  if (state.status === 'NONE' || state.settlement || state.cancelled || state.escalated) return finish(reason);
  const kind = holdKind(reason);
  if (state.retryQueuedUntil !== null && state.lastError !== null && holdKind(state.lastError) === kind) return finish(reason);
  return { kind: 'queue_retry', reason, nextAttemptAt: now.toISOString() };
}

const holdKind = (reason: string): string => reason.split(':')[0];
