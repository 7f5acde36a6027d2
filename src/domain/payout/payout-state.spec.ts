import { PAYOUT_EVENT_TYPES, PayoutEvent, PayoutEventType, isPayoutEvent } from './payout-events';
import { Payout, assertNever, deriveStatus, evolve, foldPayout, initialPayoutState, isLive, liveHash } from './payout-state';
import { PAYOUT_STATUSES, PayoutStatus } from './payout-status';
import {
  ADDRESS,
  AMOUNT_CENTS,
  AMOUNT_SATS,
  E2E_ID,
  HOUR,
  MIN,
  ORDER_ID,
  PAID_AT,
  ev,
  history,
  invoice,
  iso,
  stateOf,
  statusOf,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** One sample of every event type, for the exhaustiveness and purity checks. */
const SAMPLES: Record<PayoutEventType, PayoutEvent> = {
  PixConfirmed: ev.pixConfirmed(),
  DestinationSubmitted: ev.addressSubmitted(),
  AddressResolved: ev.addressResolved(A),
  DestinationRejected: ev.destinationRejected(false),
  PaymentAttempted: ev.attempted(A, 1),
  Payment520: {
    type: 'Payment520',
    data: {
      attempt: 1,
      paymentHash: A.paymentHash,
      source: 'cloudflare',
      httpStatus: 520,
      detail: null,
      lnbitsStatus: null,
      cfRay: 'x',
      receivedAt: iso(1),
    },
  },
  PaymentSettled: ev.settled(A),
  PaymentFailed: ev.failed(A),
  PaymentRechecked: ev.rechecked(A),
  DoublePaymentDetected: ev.doublePaid(B, A),
  DoublePaymentAcknowledged: ev.doubleAcknowledged([A.paymentHash, B.paymentHash]),
  PaymentPending: ev.pending(A),
  PaymentOutcomeUnknown: ev.unknown(A),
  PaymentRejected: ev.rejected(A),
  PaymentStatusChecked: ev.statusChecked(A, 'pending'),
  PaymentNotFound: ev.notFound(A),
  InvoiceExpired: ev.invoiceExpired(A),
  RetryQueued: ev.retryQueued(),
  PayoutCancelled: ev.cancelled(),
  PayoutEscalated: ev.escalated(),
  EscalationCleared: ev.escalationCleared(),
};

/** A catalogue of reachable histories, each with the status docs/api.md says it shows. */
const CATALOGUE: [string, PayoutStatus, PayoutEvent[]][] = [
  ['confirmed without destination', 'AWAITING_DESTINATION', history.confirmed()],
  ['address submitted', 'RESOLVING', history.addressSubmitted()],
  ['transient resolution failure', 'RESOLVING', [...history.addressSubmitted(), ev.destinationRejected(false)]],
  ['invoice expired before payment (address)', 'RESOLVING', [...history.addressResolved(A), ev.invoiceExpired(A)]],
  ['failure a new invoice may cure (address)', 'RESOLVING', [...history.addressClaimed(A), ev.failed(A, true)]],
  ['address resolved', 'PAYING', history.addressResolved(A)],
  ['raw BOLT11 submitted', 'PAYING', history.bolt11Submitted(RAW)],
  ['claimed', 'PAYING', history.addressClaimed(A)],
  ['pending', 'PAYING', [...history.addressClaimed(A), ev.pending(A)]],
  ['unknown', 'PAYING', [...history.addressClaimed(A), ev.unknown(A)]],
  ['404 within grace', 'PAYING', [...history.addressClaimed(A), ev.statusChecked(A, 'not_found_within_grace')]],
  ['404 after grace', 'PAYING', [...history.addressClaimed(A), ev.notFound(A)]],
  ['rejected request', 'PAYING', [...history.addressClaimed(A), ev.rejected(A)]],
  ['Payment520 then unknown', 'PAYING', [...history.addressClaimed(A), SAMPLES.Payment520, ev.unknown(A)]],
  ['retry queued while resolving', 'RETRY_QUEUED', [...history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued()]],
  ['retry queued while paying', 'RETRY_QUEUED', [...history.addressResolved(A), ev.retryQueued()]],
  ['retry queued with a live hash', 'RETRY_QUEUED', [...history.addressClaimed(A), ev.unknown(A), ev.retryQueued()]],
  [
    'retry queued then the address failed for good',
    'FAILED',
    [...history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued(), ev.destinationRejected(true)],
  ],
  ['settled', 'SETTLED', [...history.addressClaimed(A), ev.settled(A)]],
  ['settled from RETRY_QUEUED', 'SETTLED', [...history.addressClaimed(A), ev.unknown(A), ev.retryQueued(), ev.settled(A)]],
  ['settled after cancel (money truth wins)', 'SETTLED', [...history.addressClaimed(A), ev.failed(A), ev.cancelled(), ev.settled(A)]],
  ['permanent resolution failure', 'FAILED', [...history.addressSubmitted(), ev.destinationRejected(true)]],
  ['failure no new invoice cures (address)', 'FAILED', [...history.addressClaimed(A), ev.failed(A, false)]],
  ['raw BOLT11 failed', 'FAILED', [...history.bolt11Claimed(RAW), ev.failed(RAW, true)]],
  ['raw BOLT11 expired', 'FAILED', [...history.bolt11Submitted(RAW), ev.invoiceExpired(RAW)]],
  ['raw BOLT11 404 then expired', 'FAILED', [...history.bolt11Claimed(RAW), ev.notFound(RAW), ev.invoiceExpired(RAW)]],
  ['cancelled while awaiting a destination', 'CANCELLED', [...history.confirmed(), ev.cancelled()]],
  ['cancelled while FAILED', 'CANCELLED', [...history.bolt11Claimed(RAW), ev.failed(RAW), ev.cancelled()]],
  ['cancelled while RETRY_QUEUED', 'CANCELLED', [...history.addressResolved(A), ev.retryQueued(), ev.cancelled()]],
  ['cancelled after escalation', 'CANCELLED', [...history.addressResolved(A), ev.escalated(), ev.cancelled()]],
  ['escalated while paying', 'NEEDS_ATTENTION', [...history.addressResolved(A), ev.escalated()]],
  ['escalated with a live hash', 'NEEDS_ATTENTION', [...history.addressClaimed(A), ev.unknown(A), ev.escalated()]],
  ['escalated while awaiting a destination', 'NEEDS_ATTENTION', [...history.confirmed(), ev.escalated()]],
  ['escalated while FAILED', 'NEEDS_ATTENTION', [...history.addressSubmitted(), ev.destinationRejected(true), ev.escalated()]],
  ['escalated while RETRY_QUEUED', 'NEEDS_ATTENTION', [...history.addressResolved(A), ev.retryQueued(), ev.escalated()]],
  ['escalation cleared', 'PAYING', [...history.addressResolved(A), ev.escalated(), ev.escalationCleared()]],
  [
    'new destination after FAILED',
    'RESOLVING',
    [...history.addressSubmitted(), ev.destinationRejected(true), ev.addressSubmitted('bob@example.com')],
  ],
  ['new BOLT11 after the raw one failed', 'PAYING', [...history.bolt11Claimed(RAW), ev.failed(RAW), ev.bolt11Submitted(invoice('RAW2'))]],
  ['re-resolved after a failure', 'PAYING', [...history.addressClaimed(A), ev.failed(A, true), ev.addressResolved(B)]],
];

describe('evolve', () => {
  it('PixConfirmed starts the payout', () => {
    expect(evolve(initialPayoutState(), ev.pixConfirmed({ confirmedAt: iso(0) }))).toEqual<Payout>({
      orderId: ORDER_ID,
      endToEndId: E2E_ID,
      amountCents: AMOUNT_CENTS,
      amountSats: AMOUNT_SATS,
      paidAt: PAID_AT,
      createdAt: iso(0),
      updatedAt: iso(0),
      status: 'AWAITING_DESTINATION',
      destination: null,
      currentInvoice: null,
      invoiceHashes: [],
      hashes: {},
      attempts: 0,
      lastError: null,
      settlement: null,
      needsNewDestination: false,
      escalated: false,
      cancelled: false,
      cancelledAt: null,
      failedAt: null,
      retryQueuedUntil: null,
      retryCause: null,
      retriesQueued: 0,
      escalationBaseline: { attempts: 0, retriesQueued: 0 },
      doublePayment: null,
    });
  });

  it.each(PAYOUT_EVENT_TYPES.filter((t) => t !== 'PixConfirmed'))('%s before a PixConfirmed leaves no payout', (type) => {
    expect(evolve(initialPayoutState(), SAMPLES[type])).toEqual(initialPayoutState());
  });

  it('an empty stream folds to the initial state', () => {
    expect(foldPayout([])).toEqual({ status: 'NONE' });
  });

  it('handles every event type (exhaustive switch)', () => {
    const base = stateOf(history.addressClaimed(A));
    for (const type of PAYOUT_EVENT_TYPES) expect(evolve(base, SAMPLES[type]).status).not.toBe('NONE');
    expect(Object.keys(SAMPLES).sort()).toEqual([...PAYOUT_EVENT_TYPES].sort());
  });

  it('an event type it does not know throws (never silently skipped)', () => {
    const bogus = { type: 'PaymentTeleported', data: {} } as unknown as PayoutEvent;
    expect(() => evolve(stateOf(history.confirmed()), bogus)).toThrow('Unhandled event');
    expect(() => assertNever('x' as never)).toThrow();
  });

  it('never mutates the state it is given', () => {
    const base = deepFreeze(stateOf(history.addressClaimed(A)));
    const snapshot = JSON.parse(JSON.stringify(base));
    for (const type of PAYOUT_EVENT_TYPES) evolve(base, SAMPLES[type]);
    expect(base).toEqual(snapshot);
  });

  it('updatedAt follows the time of every event; createdAt stays the confirmation time', () => {
    const stream = [
      ev.pixConfirmed({ confirmedAt: iso(0) }),
      ev.addressSubmitted(ADDRESS, MIN),
      ev.addressResolved(A, ADDRESS, 2 * MIN),
      ev.attempted(A, 1, 3 * MIN),
      ev.settled(A, 4 * MIN),
    ];
    let state = initialPayoutState();
    for (const event of stream) {
      state = evolve(state, event);
      expect(state).toMatchObject({ createdAt: iso(0) });
    }
    expect(state).toMatchObject({ updatedAt: iso(4 * MIN) });
  });

  describe('DestinationSubmitted', () => {
    it('an address: destination set, no invoice yet', () => {
      expect(stateOf(history.addressSubmitted())).toMatchObject({
        destination: { value: ADDRESS, kind: 'lightning_address' },
        currentInvoice: null,
      });
    });

    it('a BOLT11: its invoice is the current one', () => {
      expect(stateOf(history.bolt11Submitted(RAW))).toMatchObject({
        destination: { value: RAW.bolt11, kind: 'bolt11' },
        currentInvoice: RAW,
      });
    });

    it('clears lastError, needsNewDestination and the retry queue; keeps the hashes', () => {
      const s = stateOf([...history.addressClaimed(A), ev.failed(A, false), ev.addressSubmitted('bob@example.com')]);
      expect(s).toMatchObject({ lastError: null, needsNewDestination: false, retryQueuedUntil: null, attempts: 1 });
      expect(s.hashes[A.paymentHash].outcome).toBe('failed');
    });
  });

  describe('AddressResolved', () => {
    it('sets the current invoice and leaves the retry queue', () => {
      const s = stateOf([...history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued(), ev.addressResolved(A)]);
      expect(s).toMatchObject({ currentInvoice: A, retryQueuedUntil: null, status: 'PAYING' });
    });
  });

  describe('DestinationRejected', () => {
    it('permanent: needs a new destination, lastError', () => {
      expect(stateOf([...history.addressSubmitted(), ev.destinationRejected(true, 'no such user')])).toMatchObject({
        needsNewDestination: true,
        lastError: 'no such user',
      });
    });

    it('transient: lastError only', () => {
      expect(stateOf([...history.addressSubmitted(), ev.destinationRejected(false, 'timeout')])).toMatchObject({
        needsNewDestination: false,
        lastError: 'timeout',
      });
    });
  });

  describe('PaymentAttempted', () => {
    it('records the hash in flight with its invoice, attempt number and time', () => {
      const s = stateOf(history.addressClaimed(A, 1, 5 * MIN));
      expect(s.hashes[A.paymentHash]).toEqual({
        paymentHash: A.paymentHash,
        invoice: A,
        lastAttempt: 1,
        lastAttemptedAt: iso(5 * MIN),
        claims: 1,
        outcome: 'in_flight',
        notFoundSince: null,
        recheckedAt: null,
      });
      expect(s.attempts).toBe(1);
    });

    it('a re-send of the same hash updates the record and counts the claims', () => {
      const s = stateOf([...history.addressClaimed(A, 1, 0), ev.notFound(A), ev.attempted(A, 2, 10 * MIN)]);
      expect(s.hashes[A.paymentHash]).toMatchObject({
        lastAttempt: 2,
        lastAttemptedAt: iso(10 * MIN),
        claims: 2,
        outcome: 'in_flight',
        invoice: A,
      });
      expect(s.attempts).toBe(2);
    });

    it('leaves the retry queue', () => {
      expect(stateOf([...history.addressResolved(A), ev.retryQueued(), ev.attempted(A, 1)]).retryQueuedUntil).toBeNull();
    });

    it('without a known invoice, rebuilds one from the event (an old stream)', () => {
      const s = stateOf([...history.addressSubmitted(), ev.attempted(B, 1, 0)]);
      expect(s.hashes[B.paymentHash].invoice).toMatchObject({ bolt11: B.bolt11, paymentHash: B.paymentHash, amountMsat: B.amountMsat });
    });
  });

  describe('payment outcomes', () => {
    it.each<[string, PayoutEvent, string]>([
      ['PaymentSettled', ev.settled(A), 'settled'],
      ['PaymentFailed', ev.failed(A), 'failed'],
      ['PaymentPending', ev.pending(A), 'pending'],
      ['PaymentOutcomeUnknown', ev.unknown(A), 'unknown'],
      ['PaymentRejected', ev.rejected(A), 'rejected'],
      ['PaymentStatusChecked(pending)', ev.statusChecked(A, 'pending'), 'pending'],
      ['PaymentStatusChecked(not_found_within_grace)', ev.statusChecked(A, 'not_found_within_grace'), 'in_flight'],
      ['PaymentStatusChecked(unknown)', ev.statusChecked(A, 'unknown'), 'in_flight'],
      ['PaymentNotFound', ev.notFound(A), 'not_found'],
      ['Payment520', SAMPLES.Payment520, 'in_flight'],
    ])('%s -> the hash is %s', (_name, event, outcome) => {
      expect(stateOf([...history.addressClaimed(A), event]).hashes[A.paymentHash].outcome).toBe(outcome);
    });

    it('PaymentStatusChecked(unknown) keeps an unknown hash unknown', () => {
      expect(stateOf([...history.addressClaimed(A), ev.unknown(A), ev.statusChecked(A, 'unknown')]).hashes[A.paymentHash].outcome).toBe(
        'unknown',
      );
    });

    it('PaymentSettled keeps the settlement and leaves the retry queue', () => {
      const s = stateOf([...history.addressClaimed(A), ev.unknown(A), ev.retryQueued(), ev.settled(A, 0, 'pre', 1234)]);
      expect(s.settlement).toEqual({ paymentHash: A.paymentHash, preimage: 'pre', feeMsat: 1234, settledAt: iso(0) });
      expect(s.retryQueuedUntil).toBeNull();
    });

    it('PaymentFailed of the current invoice drops it; of an older one keeps the current', () => {
      expect(stateOf([...history.addressClaimed(A), ev.failed(A)]).currentInvoice).toBeNull();
      const s = stateOf([...history.addressClaimed(A), ev.notFound(A), ev.invoiceExpired(A), ev.addressResolved(B), ev.failed(A)]);
      expect(s.currentInvoice).toEqual(B);
    });

    it('PaymentFailed: needsNewDestination is sticky until a new destination', () => {
      expect(stateOf([...history.addressClaimed(A), ev.failed(A, false)]).needsNewDestination).toBe(true);
      expect(stateOf([...history.addressClaimed(A), ev.failed(A, true)]).needsNewDestination).toBe(false);
    });

    it('an outcome for a hash the state does not know changes no hash record', () => {
      const s = stateOf([...history.addressResolved(A), ev.failed(B)]);
      expect(s.hashes).toEqual({});
      expect(s.currentInvoice).toEqual(A);
    });

    it('Payment520 changes nothing but updatedAt', () => {
      const before = stateOf(history.addressClaimed(A));
      expect(evolve(before, SAMPLES.Payment520)).toEqual({ ...before, updatedAt: iso(1) });
    });
  });

  describe('InvoiceExpired', () => {
    it('drops the current invoice, sets lastError', () => {
      const s = stateOf([...history.addressResolved(A), ev.invoiceExpired(A)]);
      expect(s.currentInvoice).toBeNull();
      expect(s.lastError).toBe(`invoice ${A.paymentHash} expired at ${A.expiresAt}`);
    });

    it('of an invoice that is not current, keeps the current one', () => {
      expect(stateOf([...history.addressResolved(A), ev.invoiceExpired(B)]).currentInvoice).toEqual(A);
    });
  });

  describe('RetryQueued, PayoutCancelled, PayoutEscalated, EscalationCleared', () => {
    it('RetryQueued sets lastError and the due time, and counts the queued retries', () => {
      expect(stateOf([...history.addressResolved(A), ev.retryQueued('down', 7 * MIN)])).toMatchObject({
        lastError: 'down',
        retryQueuedUntil: iso(7 * MIN),
        retriesQueued: 1,
      });
      expect(stateOf([...history.addressResolved(A), ev.retryQueued(), ev.retryQueued()]).retriesQueued).toBe(2);
    });

    it('EscalationCleared records the counters as the new escalation baseline', () => {
      const s = stateOf([...history.addressClaimed(A), ev.rejected(A), ev.retryQueued(), ev.escalated(), ev.escalationCleared()]);
      expect(s.escalationBaseline).toEqual({ attempts: 1, retriesQueued: 1 });
    });

    it('PayoutCancelled sets cancelled, lastError and leaves the retry queue', () => {
      expect(stateOf([...history.addressResolved(A), ev.retryQueued(), ev.cancelled('refund')])).toMatchObject({
        cancelled: true,
        lastError: 'refund',
        retryQueuedUntil: null,
      });
    });

    it('PayoutEscalated sets escalated and lastError; EscalationCleared resets escalated only', () => {
      const escalated = stateOf([...history.addressResolved(A), ev.escalated('10 attempts')]);
      expect(escalated).toMatchObject({ escalated: true, lastError: '10 attempts' });
      expect(evolve(escalated, ev.escalationCleared())).toMatchObject({ escalated: false, lastError: '10 attempts', status: 'PAYING' });
    });
  });
});

describe('liveHash / isLive', () => {
  it('in_flight, pending and unknown are live; the others are not', () => {
    const record = stateOf(history.addressClaimed(A)).hashes[A.paymentHash];
    for (const outcome of ['in_flight', 'pending', 'unknown'] as const) expect(isLive({ ...record, outcome })).toBe(true);
    for (const outcome of ['settled', 'failed', 'not_found', 'rejected'] as const) expect(isLive({ ...record, outcome })).toBe(false);
  });

  it('finds the live hash among dead ones', () => {
    const s = stateOf([...history.addressClaimed(A), ev.failed(A), ev.addressResolved(B), ev.attempted(B, 2)]);
    expect(liveHash(s)?.paymentHash).toBe(B.paymentHash);
    expect(liveHash(stateOf([...history.addressClaimed(A), ev.failed(A)]))).toBeNull();
  });
});

describe('status (docs/api.md)', () => {
  it.each(CATALOGUE)('%s -> %s', (_name, status, events) => {
    expect(statusOf(events)).toBe(status);
  });

  it('the catalogue covers every status of docs/api.md', () => {
    expect(new Set(CATALOGUE.map(([, status]) => status))).toEqual(new Set(PAYOUT_STATUSES));
  });

  it.each(CATALOGUE.filter(([, status]) => ['FAILED', 'RETRY_QUEUED', 'NEEDS_ATTENTION'].includes(status)))(
    'lastError is set when %s (%s)',
    (_name, _status, events) => {
      const lastError = stateOf(events).lastError;
      expect(typeof lastError).toBe('string');
      expect(lastError).not.toBe('');
    },
  );

  it('the status stored by evolve is always deriveStatus of the state (after every event of every history)', () => {
    for (const [, , events] of CATALOGUE) {
      let state = initialPayoutState();
      for (const event of events) {
        state = evolve(state, event);
        if (state.status !== 'NONE') expect(state.status).toBe(deriveStatus(state));
      }
    }
  });

  describe('deriveStatus priorities', () => {
    const base = stateOf(history.addressResolved(A));
    const derive = (patch: Partial<Payout>): PayoutStatus => deriveStatus({ ...base, ...patch });
    const settlement = { paymentHash: A.paymentHash, preimage: null, feeMsat: 0, settledAt: iso(0) };

    it('SETTLED beats CANCELLED and the rest', () => {
      expect(derive({ settlement, cancelled: true, needsNewDestination: true, retryQueuedUntil: iso(HOUR) })).toBe('SETTLED');
    });

    it('CANCELLED beats FAILED and the rest', () => {
      expect(derive({ cancelled: true, needsNewDestination: true, retryQueuedUntil: iso(HOUR) })).toBe('CANCELLED');
    });

    it('settling or cancelling answers an escalation', () => {
      expect(stateOf([...history.addressClaimed(A), ev.unknown(A), ev.escalated(), ev.settled(A)]).status).toBe('SETTLED');
      expect(stateOf([...history.addressResolved(A), ev.escalated(), ev.cancelled()]).status).toBe('CANCELLED');
    });

    it('NEEDS_ATTENTION beats AWAITING_DESTINATION, FAILED and RETRY_QUEUED', () => {
      expect(derive({ escalated: true, destination: null })).toBe('NEEDS_ATTENTION');
      expect(derive({ escalated: true, needsNewDestination: true })).toBe('NEEDS_ATTENTION');
      expect(derive({ escalated: true, retryQueuedUntil: iso(HOUR) })).toBe('NEEDS_ATTENTION');
    });

    it('FAILED beats RETRY_QUEUED, unless a hash could still settle', () => {
      expect(derive({ needsNewDestination: true, retryQueuedUntil: iso(HOUR) })).toBe('FAILED');
      const live = stateOf(history.addressClaimed(A)).hashes;
      expect(derive({ needsNewDestination: true, hashes: live })).toBe('PAYING');
    });

    it('RETRY_QUEUED beats PAYING and RESOLVING', () => {
      expect(derive({ retryQueuedUntil: iso(HOUR) })).toBe('RETRY_QUEUED');
      expect(derive({ retryQueuedUntil: iso(HOUR), currentInvoice: null })).toBe('RETRY_QUEUED');
    });

    it('PAYING with an invoice or a live hash, RESOLVING without', () => {
      expect(derive({})).toBe('PAYING');
      expect(derive({ currentInvoice: null })).toBe('RESOLVING');
      expect(derive({ currentInvoice: null, hashes: stateOf(history.addressClaimed(A)).hashes })).toBe('PAYING');
    });

    it('a BOLT11 payout without an invoice and no live hash is FAILED', () => {
      expect(derive({ destination: { value: RAW.bolt11, kind: 'bolt11' }, currentInvoice: null })).toBe('FAILED');
    });
  });
});

describe('payout events', () => {
  it('isPayoutEvent recognises exactly the payout event types', () => {
    for (const type of PAYOUT_EVENT_TYPES) expect(isPayoutEvent({ type })).toBe(true);
    expect(isPayoutEvent({ type: 'SomethingElse' })).toBe(false);
  });

  it('keeps the five product names', () => {
    expect(PAYOUT_EVENT_TYPES).toEqual(
      expect.arrayContaining(['PixConfirmed', 'AddressResolved', 'PaymentAttempted', 'Payment520', 'PaymentSettled']),
    );
  });

  it('events are plain serialisable data', () => {
    for (const event of Object.values(SAMPLES)) expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});
