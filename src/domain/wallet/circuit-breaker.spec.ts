import {
  BreakerRules,
  CircuitBreaker,
  WALLET_UNAVAILABLE,
  closedBreaker,
  recordPaymentAnswer,
  recordProbe,
  requestPermit,
} from './circuit-breaker';

const RULES: BreakerRules = { threshold: 3, trialTimeoutMs: 10_000 };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

function unknowns(breaker: CircuitBreaker, count: number, fromMs = 0): CircuitBreaker {
  for (let i = 0; i < count; i++) breaker = recordPaymentAnswer(breaker, true, 'Cloudflare 520', at(fromMs + i), RULES).breaker;
  return breaker;
}

function opened(): CircuitBreaker {
  return unknowns(closedBreaker(at(0)), RULES.threshold);
}

describe('circuit breaker', () => {
  it('stays closed and permits below the threshold; an LNbits answer resets the count', () => {
    let breaker = unknowns(closedBreaker(at(0)), RULES.threshold - 1);
    expect(breaker).toMatchObject({ position: 'closed', consecutiveUnknownPosts: RULES.threshold - 1 });
    expect(requestPermit(breaker, at(10), RULES).permit).toEqual({ allowed: true });
    const step = recordPaymentAnswer(breaker, false, 'failed: no route', at(11), RULES);
    expect(step.transition).toBeNull();
    breaker = unknowns(step.breaker, RULES.threshold - 1, 12);
    expect(breaker).toMatchObject({ position: 'closed', consecutiveUnknownPosts: RULES.threshold - 1 });
  });

  it('opens on the threshold-th consecutive unknown answer and then refuses every permit', () => {
    const before = unknowns(closedBreaker(at(0)), RULES.threshold - 1);
    const step = recordPaymentAnswer(before, true, 'Cloudflare 520', at(50), RULES);
    expect(step.transition).toEqual({
      from: 'closed',
      to: 'open',
      reason: '3 consecutive payment POSTs ended unknown, the last: Cloudflare 520',
      consecutiveUnknownPosts: 3,
      at: at(50).toISOString(),
    });
    expect(step.breaker).toMatchObject({ position: 'open', since: at(50).toISOString() });
    for (const ms of [51, 100_000]) {
      expect(requestPermit(step.breaker, at(ms), RULES).permit).toEqual({
        allowed: false,
        reason: `${WALLET_UNAVAILABLE} open since ${at(50).toISOString()}`,
      });
    }
  });

  it('leaves "open" only through a successful probe; answers of POSTs still under way only update the count', () => {
    let breaker = opened();
    expect(recordProbe(breaker, false, 'Cloudflare 520', at(100)).transition).toBeNull();
    const late = recordPaymentAnswer(breaker, false, 'settled', at(101), RULES);
    expect(late.transition).toBeNull();
    expect(late.breaker).toMatchObject({ position: 'open', consecutiveUnknownPosts: 0 });
    const probed = recordProbe(late.breaker, true, 'wallet answered', at(200));
    expect(probed.transition).toMatchObject({ from: 'open', to: 'half_open', reason: 'the wallet probe succeeded' });
    breaker = probed.breaker;
    expect(breaker).toMatchObject({ position: 'half_open', since: at(200).toISOString(), trialPermittedAt: null });
  });

  it('half-open permits exactly one trial until its answer is known, or until the trial times out', () => {
    const halfOpen = recordProbe(opened(), true, 'ok', at(200)).breaker;
    const first = requestPermit(halfOpen, at(300), RULES);
    expect(first.permit).toEqual({ allowed: true });
    const second = requestPermit(first.breaker, at(301), RULES);
    expect(second.permit).toEqual({
      allowed: false,
      reason: `${WALLET_UNAVAILABLE} half-open since ${at(200).toISOString()}, a trial payment is under way`,
    });
    expect(requestPermit(second.breaker, at(300 + RULES.trialTimeoutMs - 1), RULES).permit.allowed).toBe(false);
    expect(requestPermit(second.breaker, at(300 + RULES.trialTimeoutMs), RULES).permit).toEqual({ allowed: true });
  });

  it('the trial answered by LNbits closes the breaker; an unknown trial answer opens it again', () => {
    const trial = requestPermit(recordProbe(opened(), true, 'ok', at(200)).breaker, at(300), RULES).breaker;
    const closed = recordPaymentAnswer(trial, false, 'settled', at(400), RULES);
    expect(closed.transition).toMatchObject({
      from: 'half_open',
      to: 'closed',
      reason: 'trial payment answered: settled',
      consecutiveUnknownPosts: 0,
    });
    expect(closed.breaker).toEqual({
      position: 'closed',
      since: at(400).toISOString(),
      consecutiveUnknownPosts: 0,
      trialPermittedAt: null,
    });
    expect(requestPermit(closed.breaker, at(401), RULES).permit).toEqual({ allowed: true });

    const reopened = recordPaymentAnswer(trial, true, 'timeout', at(400), RULES);
    expect(reopened.transition).toMatchObject({ from: 'half_open', to: 'open', reason: 'trial payment answered unknown: timeout' });
    expect(reopened.breaker.consecutiveUnknownPosts).toBe(RULES.threshold + 1);
    expect(requestPermit(reopened.breaker, at(401), RULES).permit.allowed).toBe(false);
  });

  it('a failed probe while half-open opens it again; probes never move a closed breaker', () => {
    const halfOpen = recordProbe(opened(), true, 'ok', at(200)).breaker;
    expect(recordProbe(halfOpen, false, 'reset', at(300)).transition).toMatchObject({
      from: 'half_open',
      to: 'open',
      reason: 'the wallet probe failed: reset',
    });
    const closed = closedBreaker(at(0));
    expect(recordProbe(closed, false, 'reset', at(1))).toEqual({ breaker: closed, transition: null });
    expect(recordProbe(closed, true, 'ok', at(1))).toEqual({ breaker: closed, transition: null });
  });
});
