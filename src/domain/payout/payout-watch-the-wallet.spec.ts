/**
 * docs/architecture.md, rule 8 — trust the wallet, but watch it: a dead hash is looked at
 * once more before another hash is claimed and after the order settled; a
 * second paid hash is a double payment that only an admin's acknowledgement
 * closes. And the decider's own guard on ConfirmPix (defence in depth).
 */
import { PayoutEvent } from './payout-events';
import { nextStep } from './payout-workflow';
import {
  ADDRESS,
  GRACE_MS,
  HOUR,
  MIN,
  NOW_ISO,
  TIMINGS,
  at,
  cmd,
  ev,
  fold,
  given,
  history,
  invoice,
  iso,
  run,
  st,
  stateOf,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B', { expiresAt: iso(3 * HOUR) });
const C = invoice('C', { expiresAt: iso(3 * HOUR) });

describe('RecordRecheck: one more look at a dead hash', () => {
  const failedA = [...history.addressClaimed(A), ev.failed(A, true)];
  const notFoundA = [...history.addressClaimed(A), ev.notFound(A)];

  it.each<[string, PayoutEvent[], 'failed' | 'not_found']>([
    ['failed, still failed', failedA, 'failed'],
    ['404, still 404', notFoundA, 'not_found'],
  ])('%s -> PaymentRechecked, the hash is verified dead', (_name, events, result) => {
    given(events)
      .when(cmd.recheck(A, result === 'failed' ? st.failed('no route') : st.notFound()))
      .then([
        {
          type: 'PaymentRechecked',
          data: { paymentHash: A.paymentHash, result, detail: result === 'failed' ? 'no route' : null, checkedAt: NOW_ISO },
        },
      ])
      .thenState((s) => expect(s.hashes[A.paymentHash].recheckedAt).toBe(NOW_ISO));
  });

  it('a hash dead by 404 that the wallet now calls failed is failed from now on (never re-sent)', () => {
    given(notFoundA)
      .when(cmd.recheck(A, st.failed()))
      .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('failed'));
  });

  it('paid after all, the order not settled -> PaymentSettled (money truth wins)', () => {
    given(failedA)
      .when(cmd.recheck(A, st.settled()))
      .thenState((s, events) => {
        expect(events.map((e) => e.type)).toEqual(['PaymentSettled']);
        expect(s.status).toBe('SETTLED');
      });
  });

  it('LNbits turned a failed hash into success after another hash settled -> DoublePaymentDetected, NEEDS_ATTENTION', () => {
    given(failedA, ev.rechecked(A), ev.addressResolved(B), ev.attempted(B, 2), ev.settled(B))
      .when(cmd.recheck(A, st.settled('pre-a', 1000)))
      .then([
        {
          type: 'DoublePaymentDetected',
          data: { paymentHash: A.paymentHash, settledPaymentHash: B.paymentHash, preimage: 'pre-a', feeMsat: 1000, detectedAt: NOW_ISO },
        },
      ])
      .thenState((s) => {
        expect(s.status).toBe('NEEDS_ATTENTION');
        expect(s.doublePayment?.paymentHashes).toEqual([B.paymentHash, A.paymentHash]);
      });
  });

  it('pending again -> PaymentPending: the hash could settle, so nothing new is claimed', () => {
    given(failedA)
      .when(cmd.recheck(A, st.pending()))
      .thenState((s, events) => {
        expect(events.map((e) => e.type)).toEqual(['PaymentPending']);
        expect(s.hashes[A.paymentHash].outcome).toBe('pending');
        expect(nextStep(s, at(0), TIMINGS)).toMatchObject({ kind: 'check_status' });
      });
  });

  it('the wallet unreachable -> PaymentStatusChecked(unknown), still unverified', () => {
    given(failedA)
      .when(cmd.recheck(A, st.unknown('timeout')))
      .thenState((s, events) => {
        expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'unknown', detail: 'timeout' } }]);
        expect(s.hashes[A.paymentHash].recheckedAt).toBeNull();
      });
  });

  it('of a live hash -> invalid_transition (a live hash is status-checked, not re-checked)', () => {
    given(history.addressClaimed(A)).when(cmd.recheck(A, st.failed())).thenError('invalid_transition');
  });

  it('of a hash never claimed -> unknown_payment_hash', () => {
    given(failedA).when(cmd.recheck(B, st.failed())).thenError('unknown_payment_hash');
  });
});

describe('ClaimPayment of another hash waits for the re-check', () => {
  it('a new hash while a dead one is unverified -> refused; once re-checked -> PaymentAttempted', () => {
    const failed = [...history.addressClaimed(A), ev.failed(A, true), ev.addressResolved(B)];
    given(failed).when(cmd.claim(B)).thenError('invalid_transition');
    given(failed, ev.rechecked(A))
      .when(cmd.claim(B))
      .thenState((_s, events) => expect(events).toMatchObject([{ type: 'PaymentAttempted', data: { paymentHash: B.paymentHash } }]));
  });

  it('re-sending the same hash dead by 404 needs no re-check (the wallet refuses to pay one hash twice)', () => {
    given(history.addressClaimed(A), ev.notFound(A))
      .when(cmd.claim(A))
      .thenState((_s, events) => expect(events).toMatchObject([{ type: 'PaymentAttempted', data: { attempt: 2 } }]));
  });

  it('a re-claim makes the hash live again and forgets its 404 sightings', () => {
    const s = stateOf([
      ...history.addressClaimed(A, 1, 0),
      ev.statusChecked(A, 'not_found_within_grace', MIN),
      ev.notFound(A),
      ev.attempted(A, 2, 10 * MIN),
    ]);
    expect(s.hashes[A.paymentHash]).toMatchObject({ outcome: 'in_flight', notFoundSince: null, recheckedAt: null });
  });
});

describe('nextStep watches the wallet', () => {
  it('before resolving a new invoice for an address, the dead hash is re-checked', () => {
    const stream = [...history.addressClaimed(A), ev.failed(A, true)];
    expect(nextStep(fold(stream), at(0), TIMINGS)).toMatchObject({ kind: 'recheck', payment: { paymentHash: A.paymentHash } });
    expect(nextStep(fold([...stream, ev.rechecked(A)]), at(0), TIMINGS)).toEqual({ kind: 'resolve', address: ADDRESS });
  });

  it('a settled order with another hash declared dead: re-checked once the grace period after the settlement has passed', () => {
    const settledAt = 10 * MIN;
    const stream = [
      ...history.addressClaimed(A, 1, 0),
      ev.failed(A, true, 'no route', MIN),
      ev.rechecked(A, 'failed', 2 * MIN),
      ev.addressResolved(B, ADDRESS, 3 * MIN),
      ev.attempted(B, 2, 4 * MIN),
      ev.settled(B, settledAt),
    ];
    expect(nextStep(fold(stream), at(settledAt + GRACE_MS - 1), TIMINGS)).toEqual({
      kind: 'none',
      reason: 'settled; other hashes are re-checked later',
    });
    expect(nextStep(fold(stream), at(settledAt + GRACE_MS), TIMINGS)).toMatchObject({
      kind: 'recheck',
      payment: { paymentHash: A.paymentHash },
    });
    const watched = [...stream, ev.rechecked(A, 'failed', settledAt + GRACE_MS)];
    expect(nextStep(fold(watched), at(settledAt + 2 * GRACE_MS), TIMINGS)).toEqual({ kind: 'none', reason: 'settled' });
  });

  it('a settled order whose other hash is still live: status-checked at once', () => {
    const stream = [
      ...history.addressClaimed(A, 1, 0),
      ev.notFound(A, 0, MIN),
      ev.rechecked(A, 'not_found', 2 * MIN),
      ev.addressResolved(B, ADDRESS, 3 * MIN),
      ev.attempted(B, 2, 4 * MIN),
      ev.unknown(B, 4 * MIN),
      ev.settled(A, 5 * MIN),
    ];
    expect(nextStep(fold(stream), at(5 * MIN), TIMINGS)).toMatchObject({ kind: 'check_status', payment: { paymentHash: B.paymentHash } });
  });
});

describe('an order that gave up (FAILED, waiting for the customer) keeps its dead hashes watched', () => {
  it('re-checked once the grace period after the failure has passed; paid after all -> SETTLED (money truth)', () => {
    const failed = [...history.bolt11Claimed(A, 1, 0), ev.failed(A, true, 'no route', MIN)];
    const state = stateOf(failed);
    expect(state).toMatchObject({ status: 'FAILED', failedAt: iso(MIN) });
    expect(nextStep(state, at(MIN + GRACE_MS - 1), TIMINGS)).toEqual({
      kind: 'none',
      reason: 'awaiting a new invoice; other hashes are re-checked later',
    });
    expect(nextStep(state, at(MIN + GRACE_MS), TIMINGS)).toMatchObject({ kind: 'recheck', payment: { paymentHash: A.paymentHash } });
    given(failed)
      .when(cmd.recheck(A, st.settled()), at(MIN + GRACE_MS))
      .thenStatus('SETTLED');
    const verified = stateOf([...failed, ev.rechecked(A, 'failed', MIN + GRACE_MS)]);
    expect(verified.failedAt).toBe(iso(MIN));
    expect(nextStep(verified, at(HOUR), TIMINGS)).toEqual({ kind: 'none', reason: 'awaiting a new invoice' });
  });
});

describe('a double payment is closed only by an acknowledgement', () => {
  const doubled = [...history.addressClaimed(A), ev.settled(A), ev.doublePaid(B, A)];

  it('a retry (ClearEscalation) -> double_payment, nothing recorded', () => {
    given(doubled).when(cmd.clearEscalation()).thenError('double_payment');
  });

  it('AcknowledgeDoublePayment -> DoublePaymentAcknowledged (reason, both hashes); SETTLED, the double payment still shown', () => {
    given(doubled)
      .when(cmd.acknowledge('payee refunded 21000 sats'))
      .then([
        {
          type: 'DoublePaymentAcknowledged',
          data: { paymentHashes: [A.paymentHash, B.paymentHash], reason: 'payee refunded 21000 sats', acknowledgedAt: NOW_ISO },
        },
      ])
      .thenState((s) => {
        expect(s.status).toBe('SETTLED');
        expect(s.doublePayment).toMatchObject({
          paymentHashes: [A.paymentHash, B.paymentHash],
          acknowledgedAt: NOW_ISO,
          acknowledgeReason: 'payee refunded 21000 sats',
        });
      });
  });

  it('without an open double payment -> no_double_payment', () => {
    given(history.addressClaimed(A), ev.settled(A)).when(cmd.acknowledge()).thenError('no_double_payment');
    given(doubled, ev.doubleAcknowledged([A.paymentHash, B.paymentHash]))
      .when(cmd.acknowledge())
      .thenError('no_double_payment');
  });

  it('a third paid hash after the acknowledgement -> NEEDS_ATTENTION again, all three hashes shown', () => {
    const stream = [...doubled, ev.doubleAcknowledged([A.paymentHash, B.paymentHash]), ev.attempted(C, 3)];
    given(stream)
      .when(cmd.status(C, st.settled()))
      .thenState((s) => {
        expect(s.status).toBe('NEEDS_ATTENTION');
        expect(s.doublePayment?.paymentHashes).toEqual([A.paymentHash, B.paymentHash, C.paymentHash]);
      });
  });
});

describe('ConfirmPix refuses an incomplete PIX (defence in depth behind the HTTP validation)', () => {
  it.each<[string, Record<string, unknown>]>([
    ['no endToEndId', { endToEndId: undefined }],
    ['an empty endToEndId', { endToEndId: '' }],
    ['no amountCents', { amountCents: undefined }],
    ['a fractional amountCents', { amountCents: 1.5 }],
    ['an unsafe amountCents', { amountCents: 2 ** 53 + 2 }],
    ['amountCents 1e300', { amountCents: 1e300 }],
    ['a zero amountSats', { amountSats: 0 }],
    ['no paidAt', { paidAt: undefined }],
    ['a paidAt that is no instant', { paidAt: 'yesterday' }],
  ])('%s -> invalid_pix, nothing recorded', (_name, overrides) => {
    given()
      .when(cmd.confirmPix(null, overrides as never))
      .thenError('invalid_pix');
  });

  it('also on a replay of an existing order', () => {
    given(history.confirmed())
      .when(cmd.confirmPix(null, { amountCents: undefined as never }))
      .thenError('invalid_pix');
  });
});

describe('a sent invoice is abandoned only 60 s past its expiry', () => {
  it('the processor waits out the slack, then the invoice expires; a raw BOLT11 ends FAILED with lastError', () => {
    const raw = invoice('RAW', { expiresAt: iso(5 * MIN) });
    const stream = run(history.bolt11Claimed(raw, 1, 0), [
      cmd.outcome(raw, { kind: 'rejected', reason: 'limit', category: 'limit' }),
      at(MIN),
    ]);
    expect(nextStep(fold(stream), at(5 * MIN), TIMINGS)).toMatchObject({ kind: 'none' });
    expect(nextStep(fold(stream), at(6 * MIN), TIMINGS)).toEqual({ kind: 'expire_invoice', paymentHash: raw.paymentHash });
    given(stream)
      .when(cmd.expire(raw), at(6 * MIN))
      .thenState((s) => {
        expect(s.status).toBe('FAILED');
        expect(s.lastError).toContain('expired');
      });
  });

  it("the bot's own BOLT11 is paid while valid, however little time it has left", () => {
    const raw = invoice('RAW', { expiresAt: iso(30_000) });
    expect(nextStep(fold(history.bolt11Submitted(raw)), at(0), TIMINGS)).toEqual({ kind: 'pay', invoice: raw });
    expect(nextStep(fold(history.bolt11Submitted(raw)), at(30_000), TIMINGS)).toEqual({
      kind: 'expire_invoice',
      paymentHash: raw.paymentHash,
    });
  });
});
