import { PayoutEvent } from './payout-events';
import {
  EffectOutcome,
  MAX_STEPS_PER_RUN,
  PayoutPolicy,
  WorkflowAction,
  WorkflowRun,
  evolveRun,
  fallbackDueAt,
  nextAction,
  startRun,
} from './payout-workflow';
import {
  ADDRESS,
  AMOUNT_SATS,
  HOUR,
  MIN,
  NOW,
  SEC,
  TIMINGS,
  at,
  cmd,
  decider,
  ev,
  fold,
  history,
  invoice,
  iso,
  stateOf,
} from './payout.fixtures';

const POLICY: PayoutPolicy = {
  ...TIMINGS,
  claimTimeoutMs: 30 * SEC,
  paymentRetryAttempts: 3,
  paymentRetryBaseMs: 1000,
  escalateAfterAttempts: 4,
};
const A = invoice('A');

const act = (events: PayoutEvent[], run: WorkflowRun = startRun(), now = NOW): WorkflowAction => nextAction(fold(events), run, now, POLICY);
/** The run after each (action, outcome) in turn, from a fresh one. */
const after = (...steps: [WorkflowAction, EffectOutcome][]): WorkflowRun =>
  steps.reduce((run, [action, outcome]) => evolveRun(run, action, outcome), startRun());
const wait = (reason = 'timeout'): EffectOutcome => ({ kind: 'wait', reason });
const PAY: WorkflowAction = { kind: 'pay', invoice: A };

describe('the payout workflow: what to do next', () => {
  it('follows the state: resolve an address, pay its invoice, check a live hash, finish when settled', () => {
    expect(act(history.addressSubmitted())).toEqual({ kind: 'resolve', address: ADDRESS, amountSats: AMOUNT_SATS });
    expect(act(history.addressResolved(A))).toEqual({ kind: 'pay', invoice: A });
    expect(act([...history.addressClaimed(A), ev.unknown(A)])).toEqual({ kind: 'check_status', paymentHash: A.paymentHash });
    expect(act([...history.addressClaimed(A), ev.settled(A)])).toEqual({ kind: 'finish', reason: 'settled' });
    expect(act([])).toEqual({ kind: 'finish', reason: 'no such payout' });
  });

  it('leaves a claim without an answer alone while its worker may still be waiting for the wallet', () => {
    const claimed = history.addressClaimed(A, 1, 0);
    expect(act(claimed, startRun(), at(30 * SEC + 5 * SEC - 1))).toEqual({
      kind: 'finish',
      reason: 'a claim without an answer is still within the Voltz timeout',
    });
    expect(act(claimed, startRun(), at(30 * SEC + 5 * SEC))).toEqual({ kind: 'check_status', paymentHash: A.paymentHash });
  });

  it('puts such a claim in the fallback view due at the very instant it stops leaving it alone (one rule for both)', () => {
    const claimed = history.addressClaimed(A, 1, 0);
    const dueAt = fallbackDueAt(stateOf(claimed), POLICY) as string;
    expect(dueAt).toBe(iso(30 * SEC + 5 * SEC));
    expect(act(claimed, startRun(), new Date(Date.parse(dueAt) - 1)).kind).toBe('finish');
    expect(act(claimed, startRun(), new Date(dueAt)).kind).toBe('check_status');
  });

  it('escalates instead of paying once the attempts allowance is spent (and again after an admin cleared it)', () => {
    const tried = [...history.addressResolved(A), ev.attempted(A, 4), ev.rejected(A)];
    expect(act(tried)).toEqual({ kind: 'escalate', reason: '4 payment attempts without settlement' });
    expect(act([...tried, ev.escalated(), ev.escalationCleared()])).toEqual(PAY);
  });

  describe('in-process tries', () => {
    it('an effect that concluded nothing backs off, counting the tries, then queues the retry for the sweep', () => {
      const state = history.addressResolved(A);
      expect(act(state, after([PAY, wait()]))).toEqual({ kind: 'back_off', tryNumber: 1 });
      const backedOff = after([PAY, wait()], [{ kind: 'back_off', tryNumber: 1 }, { kind: 'progress' }]);
      expect(backedOff.pending).toBeNull();
      expect(act(state, backedOff)).toEqual(PAY);
      const spent = after([PAY, wait()], [PAY, wait()], [PAY, wait('no route')]);
      // The backoff series goes on where the tries stopped: base * 2^attempts.
      expect(act(state, spent)).toEqual({ kind: 'queue_retry', reason: 'no route', nextAttemptAt: iso(1000 * 2 ** 3), cause: null });
    });

    it('queueing or escalating ends the run', () => {
      const queued = after([{ kind: 'queue_retry', reason: 'r', nextAttemptAt: iso(MIN), cause: null }, { kind: 'progress' }]);
      expect(act(history.addressResolved(A), queued)).toEqual({ kind: 'finish', reason: 'r' });
    });

    it('the retry rounds allowance spent too -> escalate rather than queue again', () => {
      const rounds = [...history.addressResolved(A), ev.retryQueued(), ev.retryQueued(), ev.retryQueued(), ev.retryQueued()];
      const spent = after([PAY, wait()], [PAY, wait()], [PAY, wait('server down')]);
      expect(act(rounds, spent)).toEqual({ kind: 'escalate', reason: 'still unresolved after 4 retry rounds: server down' });
    });

    it('an escalated order is only watched: a check that concludes nothing ends the run', () => {
      expect(
        act(
          [...history.addressClaimed(A), ev.unknown(A), ev.escalated()],
          after([{ kind: 'check_status', paymentHash: A.paymentHash }, wait('pending')]),
        ),
      ).toEqual({
        kind: 'finish',
        reason: 'pending',
      });
    });

    it('a run stops when told to, and after its step budget whatever happens', () => {
      expect(act(history.addressResolved(A), after([PAY, { kind: 'stop', reason: 'another worker claimed it' }]))).toEqual({
        kind: 'finish',
        reason: 'another worker claimed it',
      });
      const busy: WorkflowRun = { tries: 0, steps: MAX_STEPS_PER_RUN, pending: null };
      expect(act(history.addressResolved(A), busy)).toEqual({ kind: 'finish', reason: 'step budget of one run spent' });
    });
  });

  describe('held by the wallet gate (breaker open, wallet short)', () => {
    const held: EffectOutcome = {
      kind: 'held',
      reason: 'wallet unavailable: circuit breaker open since 12:00',
      cause: 'wallet_unavailable',
    };

    it('the order waits in the fallback view, due at once: the gate, not the clock, decides', () => {
      expect(act(history.addressResolved(A), after([PAY, held]), at(MIN))).toEqual({
        kind: 'queue_retry',
        reason: held.reason,
        nextAttemptAt: iso(MIN),
        cause: 'wallet_unavailable',
      });
    });

    it('one event per hold: the decider records nothing for an order already waiting for the same cause', () => {
      const queued = [
        ...history.addressResolved(A),
        ev.retryQueued('wallet unavailable: circuit breaker half-open since 12:01', 0, -HOUR, 'wallet_unavailable'),
      ];
      const action = act(queued, after([PAY, held]));
      if (action.kind !== 'queue_retry') throw new Error(`expected queue_retry, got ${action.kind}`);
      const again = cmd.queueRetry(action.reason, 0, action.cause);
      expect(decider.decide(again, fold(queued), NOW)).toEqual({ ok: true, events: [] });
      const otherCause = [...history.addressResolved(A), ev.retryQueued('wallet short: balance 0 msat', 0, -HOUR, 'wallet_short')];
      expect(decider.decide(again, fold(otherCause), NOW)).toEqual({
        ok: true,
        events: [
          {
            type: 'RetryQueued',
            data: { reason: held.reason, nextAttemptAt: iso(0), queuedAt: NOW.toISOString(), cause: 'wallet_unavailable' },
          },
        ],
      });
    });
  });

  it('is pure: the same inputs give the same action, and nothing it is given changes', () => {
    const state = fold([...history.addressClaimed(A), ev.unknown(A)]);
    const frozen = JSON.stringify(state);
    const run = after([PAY, wait()]);
    expect(nextAction(state, run, at(HOUR), POLICY)).toEqual(nextAction(state, run, at(HOUR), POLICY));
    expect(JSON.stringify(state)).toBe(frozen);
  });
});
