import {
  BreakerRules,
  CircuitBreaker,
  closedBreaker,
  paymentPermit,
  recordInvoiceProbe,
  recordPaymentAnswer,
  startInvoiceProbe,
} from './circuit-breaker';

const RULES: BreakerRules = { threshold: 3 };
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
    expect(paymentPermit(breaker)).toEqual({ allowed: true });
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
    expect(paymentPermit(step.breaker)).toEqual({
      allowed: false,
      reason: `wallet unavailable: circuit breaker open since ${at(50).toISOString()}`,
      cause: 'wallet_unavailable',
    });
  });

  it('no payment answer moves an open breaker, not even a settled one: no real order is ever the trial', () => {
    const breaker = opened();
    const late = recordPaymentAnswer(breaker, false, 'settled', at(101), RULES);
    expect(late.transition).toBeNull();
    expect(late.breaker).toMatchObject({ position: 'open', consecutiveUnknownPosts: 0 });
    expect(recordInvoiceProbe(breaker, true, 'invoice created', at(102))).toEqual({ breaker, transition: null });
  });

  it('half-open while the invoice probe is out, refusing every payment; its answer closes or opens it again', () => {
    const probing = startInvoiceProbe(opened(), at(200));
    expect(probing.transition).toMatchObject({ from: 'open', to: 'half_open', reason: 'the invoice probe is under way' });
    expect(paymentPermit(probing.breaker)).toEqual({
      allowed: false,
      reason: `wallet unavailable: circuit breaker half-open since ${at(200).toISOString()}, the invoice probe is under way`,
      cause: 'wallet_unavailable',
    });
    expect(recordPaymentAnswer(probing.breaker, false, 'settled', at(250), RULES).transition).toBeNull();

    const closed = recordInvoiceProbe(probing.breaker, true, 'invoice created', at(300));
    expect(closed.transition).toMatchObject({ from: 'half_open', to: 'closed', reason: 'the invoice probe answered: invoice created' });
    expect(closed.breaker).toEqual({ position: 'closed', since: at(300).toISOString(), consecutiveUnknownPosts: 0 });
    expect(paymentPermit(closed.breaker)).toEqual({ allowed: true });

    const reopened = recordInvoiceProbe(probing.breaker, false, 'Cloudflare 520', at(300));
    expect(reopened.transition).toMatchObject({ from: 'half_open', to: 'open', reason: 'the invoice probe failed: Cloudflare 520' });
    expect(paymentPermit(reopened.breaker).allowed).toBe(false);
  });

  it('the invoice probe never moves a closed breaker', () => {
    const closed = closedBreaker(at(0));
    expect(startInvoiceProbe(closed, at(1))).toEqual({ breaker: closed, transition: null });
    expect(recordInvoiceProbe(closed, false, 'reset', at(1))).toEqual({ breaker: closed, transition: null });
  });
});
