/**
 * Test builders for the payout decider specs. Test-only: no production file
 * imports this module (it is not a *.spec.ts so jest does not run it).
 *
 * Style: Emmett's DeciderSpecification,
 *   given(events).when(command).then(events) / .thenNothing() / .thenError(code)
 * The given events are folded with `evolve`, then `decide` runs with a fixed,
 * injected `now` (never the system clock).
 */
import { Invoice } from '../destination/invoice';
import { Http520Info, PayOutcome, PaymentStatus, RetryCause } from '../payment/wallet-answers';
import { AddressResolution, PayoutCommand, ValidDestination } from './payout-commands';
import { DecideResult, payoutDecider } from './payout-decider';
import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import { Payout, PayoutState, evolve, foldPayout } from './payout-state';
import { PayoutStatus } from './payout-status';

// ---------------------------------------------------------------- time

/** The fixed clock of every spec. */
export const T0 = Date.parse('2025-07-09T12:00:00.000Z');
export const NOW = new Date(T0);
export const NOW_ISO = NOW.toISOString();
export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const GRACE_MS = 120_000;
export const MARGIN_MS = 60_000;
/** What nextStep reads from the configuration. */
export const SLACK_MS = 60_000;
export const TIMINGS = { invoiceMarginMs: MARGIN_MS, paymentNotFoundGraceMs: GRACE_MS, sentInvoiceSlackMs: SLACK_MS };
/** The decider every spec decides with: the configuration's timings above. */
export const decider = payoutDecider(TIMINGS);

/** An instant `offsetMs` after T0, as a Date. */
export const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
/** An instant `offsetMs` after T0, as an ISO string. */
export const iso = (offsetMs = 0): string => at(offsetMs).toISOString();

// ---------------------------------------------------------------- order values

export const ORDER_ID = 'ord_123';
export const E2E_ID = 'E18236120202507091200s0123456789';
export const AMOUNT_SATS = 21_000;
export const AMOUNT_MSAT = AMOUNT_SATS * 1000;
export const AMOUNT_CENTS = 5_000;
export const PAID_AT = '2025-07-09T11:59:00Z';
export const ADDRESS = 'alice@example.com';

/** A 64-hex payment hash derived from a small label, readable in failures. */
export function hashOf(label: string): string {
  const hex = Buffer.from(label, 'utf8').toString('hex');
  return (hex + '0'.repeat(64)).slice(0, 64);
}

/** A plain invoice (no real BOLT11 needed by the decider). Expires one hour after T0 by default. */
export function invoice(label: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    bolt11: `lnbc210u1p${label}`,
    paymentHash: hashOf(label),
    amountMsat: AMOUNT_MSAT,
    expiresAt: iso(HOUR),
    ...overrides,
  };
}

export const addressDestination = (value = ADDRESS): ValidDestination => ({ kind: 'lightning_address', value });
export const bolt11Destination = (inv: Invoice): ValidDestination => ({ kind: 'bolt11', value: inv.bolt11, invoice: inv });

// ---------------------------------------------------------------- events

export const ev = {
  pixConfirmed: (overrides: Partial<Extract<PayoutEvent, { type: 'PixConfirmed' }>['data']> = {}): PayoutEvent => ({
    type: 'PixConfirmed',
    data: {
      orderId: ORDER_ID,
      endToEndId: E2E_ID,
      amountCents: AMOUNT_CENTS,
      amountSats: AMOUNT_SATS,
      paidAt: PAID_AT,
      confirmedAt: iso(-HOUR),
      ...overrides,
    },
  }),
  addressSubmitted: (address = ADDRESS, atMs = -HOUR): PayoutEvent => ({
    type: 'DestinationSubmitted',
    data: { destination: address, kind: 'lightning_address', invoice: null, submittedAt: iso(atMs) },
  }),
  bolt11Submitted: (inv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'DestinationSubmitted',
    data: { destination: inv.bolt11, kind: 'bolt11', invoice: inv, submittedAt: iso(atMs) },
  }),
  addressResolved: (inv: Invoice, address = ADDRESS, atMs = -HOUR): PayoutEvent => ({
    type: 'AddressResolved',
    data: { address, invoice: inv, resolvedAt: iso(atMs) },
  }),
  destinationRejected: (permanent: boolean, reason = 'LNURL server said no', address = ADDRESS, atMs = -HOUR): PayoutEvent => ({
    type: 'DestinationRejected',
    data: { destination: address, reason, permanent, rejectedAt: iso(atMs) },
  }),
  attempted: (inv: Invoice, attempt: number, atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentAttempted',
    data: { attempt, paymentHash: inv.paymentHash, bolt11: inv.bolt11, amountMsat: inv.amountMsat, attemptedAt: iso(atMs) },
  }),
  settled: (inv: Invoice, atMs = -HOUR, preimage: string | null = 'pre', feeMsat = 2000): PayoutEvent => ({
    type: 'PaymentSettled',
    data: { paymentHash: inv.paymentHash, preimage, feeMsat, settledAt: iso(atMs) },
  }),
  failed: (inv: Invoice, newInvoiceMayHelp = true, reason = 'no route', atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentFailed',
    data: { paymentHash: inv.paymentHash, reason, newInvoiceMayHelp, failedAt: iso(atMs) },
  }),
  pending: (inv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentPending',
    data: { paymentHash: inv.paymentHash, reason: 'in flight', observedAt: iso(atMs) },
  }),
  unknown: (inv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentOutcomeUnknown',
    data: { paymentHash: inv.paymentHash, reason: 'timeout', observedAt: iso(atMs) },
  }),
  rejected: (inv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentRejected',
    data: { paymentHash: inv.paymentHash, reason: 'limit reached', category: 'limit', rejectedAt: iso(atMs) },
  }),
  statusChecked: (
    inv: Invoice,
    result: 'pending' | 'not_found_within_grace' | 'not_found_unconfirmed' | 'unknown',
    atMs = -HOUR,
  ): PayoutEvent => ({
    type: 'PaymentStatusChecked',
    data: { paymentHash: inv.paymentHash, result, detail: null, checkedAt: iso(atMs) },
  }),
  notFound: (inv: Invoice, attemptedAtMs = -HOUR, atMs = -HOUR + 10 * MIN): PayoutEvent => ({
    type: 'PaymentNotFound',
    data: { paymentHash: inv.paymentHash, attemptedAt: iso(attemptedAtMs), checkedAt: iso(atMs) },
  }),
  invoiceExpired: (inv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'InvoiceExpired',
    data: { paymentHash: inv.paymentHash, expiresAt: inv.expiresAt, observedAt: iso(atMs) },
  }),
  retryQueued: (reason = 'retries exhausted', nextAttemptAtMs = 5 * MIN, atMs = -HOUR, cause: RetryCause | null = null): PayoutEvent => ({
    type: 'RetryQueued',
    data: { reason, nextAttemptAt: iso(nextAttemptAtMs), queuedAt: iso(atMs), cause },
  }),
  cancelled: (reason = 'customer refunded', atMs = -HOUR): PayoutEvent => ({
    type: 'PayoutCancelled',
    data: { reason, cancelledAt: iso(atMs) },
  }),
  escalated: (reason = 'too many attempts', atMs = -HOUR): PayoutEvent => ({
    type: 'PayoutEscalated',
    data: { reason, escalatedAt: iso(atMs) },
  }),
  escalationCleared: (atMs = -HOUR): PayoutEvent => ({ type: 'EscalationCleared', data: { clearedAt: iso(atMs) } }),
  rechecked: (inv: Invoice, result: 'failed' | 'not_found' = 'failed', atMs = -HOUR): PayoutEvent => ({
    type: 'PaymentRechecked',
    data: { paymentHash: inv.paymentHash, result, detail: null, checkedAt: iso(atMs) },
  }),
  doublePaid: (inv: Invoice, settledInv: Invoice, atMs = -HOUR): PayoutEvent => ({
    type: 'DoublePaymentDetected',
    data: {
      paymentHash: inv.paymentHash,
      settledPaymentHash: settledInv.paymentHash,
      preimage: 'pre2',
      feeMsat: 2000,
      detectedAt: iso(atMs),
    },
  }),
  doubleAcknowledged: (hashes: string[], reason = 'refund requested from the payee', atMs = -HOUR): PayoutEvent => ({
    type: 'DoublePaymentAcknowledged',
    data: { paymentHashes: hashes, reason, acknowledgedAt: iso(atMs) },
  }),
};

// ---------------------------------------------------------------- commands

export const cmd = {
  confirmPix: (
    destination: ValidDestination | null = null,
    overrides: Partial<Extract<PayoutCommand, { type: 'ConfirmPix' }>['data']> = {},
  ): PayoutCommand => ({
    type: 'ConfirmPix',
    data: {
      orderId: ORDER_ID,
      endToEndId: E2E_ID,
      amountCents: AMOUNT_CENTS,
      amountSats: AMOUNT_SATS,
      paidAt: PAID_AT,
      destination,
      ...overrides,
    },
  }),
  submit: (destination: ValidDestination): PayoutCommand => ({ type: 'SubmitDestination', data: { destination } }),
  resolveOk: (inv: Invoice, address = ADDRESS): PayoutCommand => ({
    type: 'RecordResolution',
    data: { address, result: { ok: true, invoice: inv } },
  }),
  resolveFail: (permanent: boolean, reason = 'LNURL server said no', address = ADDRESS): PayoutCommand => ({
    type: 'RecordResolution',
    data: { address, result: { ok: false, permanent, reason } satisfies AddressResolution },
  }),
  claim: (inv: Invoice): PayoutCommand => ({ type: 'ClaimPayment', data: { invoice: inv } }),
  outcome: (inv: Invoice | string, outcome: PayOutcome): PayoutCommand => ({
    type: 'RecordPaymentOutcome',
    data: { paymentHash: typeof inv === 'string' ? inv : inv.paymentHash, outcome },
  }),
  status: (inv: Invoice | string, status: PaymentStatus): PayoutCommand => ({
    type: 'RecordStatusCheck',
    data: { paymentHash: typeof inv === 'string' ? inv : inv.paymentHash, status },
  }),
  expire: (inv: Invoice | string): PayoutCommand => ({
    type: 'ExpireInvoice',
    data: { paymentHash: typeof inv === 'string' ? inv : inv.paymentHash },
  }),
  queueRetry: (reason = 'retries exhausted', nextAttemptAtMs = 5 * MIN, cause: RetryCause | null = null): PayoutCommand => ({
    type: 'QueueRetry',
    data: { reason, nextAttemptAt: iso(nextAttemptAtMs), cause },
  }),
  cancel: (reason = 'customer refunded'): PayoutCommand => ({ type: 'CancelPayout', data: { reason } }),
  escalate: (reason = 'too many attempts'): PayoutCommand => ({ type: 'EscalatePayout', data: { reason } }),
  clearEscalation: (): PayoutCommand => ({ type: 'ClearEscalation', data: {} }),
  recheck: (inv: Invoice | string, status: PaymentStatus): PayoutCommand => ({
    type: 'RecordRecheck',
    data: { paymentHash: typeof inv === 'string' ? inv : inv.paymentHash, status },
  }),
  acknowledge: (reason = 'refund requested from the payee'): PayoutCommand => ({ type: 'AcknowledgeDoublePayment', data: { reason } }),
};

// ---------------------------------------------------------------- wallet answers

export const lnbits520 = (detail: string, lnbitsStatus: string | null): Http520Info => ({ source: 'lnbits', detail, lnbitsStatus });
export const cloudflare520 = (httpStatus = 520, cfRay: string | null = '8a1b2c3d4e5f6789-GRU'): Http520Info => ({
  source: 'cloudflare',
  httpStatus,
  cfRay,
});

export const out = {
  settled: (http520?: Http520Info, preimage: string | null = 'pre', feeMsat = 2000): PayOutcome => ({
    kind: 'settled',
    preimage,
    feeMsat,
    ...(http520 ? { http520 } : {}),
  }),
  failed: (newInvoiceMayHelp = true, reason = 'no route', http520?: Http520Info): PayOutcome => ({
    kind: 'failed',
    reason,
    newInvoiceMayHelp,
    ...(http520 ? { http520 } : {}),
  }),
  pending: (http520?: Http520Info, reason = 'in flight'): PayOutcome => ({ kind: 'pending', reason, ...(http520 ? { http520 } : {}) }),
  unknown: (http520?: Http520Info, reason = 'timeout'): PayOutcome => ({ kind: 'unknown', reason, ...(http520 ? { http520 } : {}) }),
  rejected: (category: 'configuration' | 'limit' | 'bad_request' = 'limit', reason = 'limit reached'): PayOutcome => ({
    kind: 'rejected',
    reason,
    category,
  }),
};

export const st = {
  settled: (preimage: string | null = 'pre', feeMsat = 2000): PaymentStatus => ({ kind: 'settled', preimage, feeMsat }),
  failed: (reason = 'no route'): PaymentStatus => ({ kind: 'failed', reason }),
  pending: (): PaymentStatus => ({ kind: 'pending' }),
  notFound: (): PaymentStatus => ({ kind: 'not_found' }),
  unknown: (reason = 'wallet unreachable'): PaymentStatus => ({ kind: 'unknown', reason }),
  rejected: (reason = 'bad key'): PaymentStatus => ({ kind: 'rejected', reason, category: 'configuration' }),
};

// ---------------------------------------------------------------- ready-made histories

/** The ways a hash "could still settle": a claim with no answer, pending, unknown, a pending status check, a 404 within the grace. */
export const liveHistories = (inv: Invoice, base: PayoutEvent[]): [string, PayoutEvent[]][] => [
  ['in_flight', [...base, ev.attempted(inv, 1)]],
  ['pending', [...base, ev.attempted(inv, 1), ev.pending(inv)]],
  ['unknown', [...base, ev.attempted(inv, 1), ev.unknown(inv)]],
  ['pending by status check', [...base, ev.attempted(inv, 1), ev.statusChecked(inv, 'pending')]],
  ['404 within grace', [...base, ev.attempted(inv, 1), ev.statusChecked(inv, 'not_found_within_grace')]],
];

/** Common prefixes of a stream, as event lists to spread into `given`. */
export const history = {
  confirmed: (): PayoutEvent[] => [ev.pixConfirmed()],
  addressSubmitted: (): PayoutEvent[] => [ev.pixConfirmed(), ev.addressSubmitted()],
  addressResolved: (inv: Invoice): PayoutEvent[] => [ev.pixConfirmed(), ev.addressSubmitted(), ev.addressResolved(inv)],
  addressClaimed: (inv: Invoice, attempt = 1, atMs = -HOUR): PayoutEvent[] => [
    ...history.addressResolved(inv),
    ev.attempted(inv, attempt, atMs),
  ],
  bolt11Submitted: (inv: Invoice): PayoutEvent[] => [ev.pixConfirmed(), ev.bolt11Submitted(inv)],
  bolt11Claimed: (inv: Invoice, attempt = 1, atMs = -HOUR): PayoutEvent[] => [
    ...history.bolt11Submitted(inv),
    ev.attempted(inv, attempt, atMs),
  ],
};

// ---------------------------------------------------------------- given / when / then

export function fold(events: readonly PayoutEvent[]): PayoutState {
  return foldPayout(events);
}

export function stateOf(events: readonly PayoutEvent[]): Payout {
  const state = fold(events);
  if (state.status === 'NONE') throw new Error('The given events do not start a payout (no PixConfirmed)');
  return state;
}

export function statusOf(events: readonly PayoutEvent[]): PayoutStatus {
  return stateOf(events).status;
}

export interface Then {
  /** The raw decision. */
  readonly result: DecideResult;
  /** The command is accepted and produces exactly these events. */
  then(expected: PayoutEvent[]): Then;
  /** The command is accepted and produces no event (idempotent replay, late answer...). */
  thenNothing(): Then;
  /** The command is refused with this error code. */
  thenError(code: PayoutErrorCode): Then;
  /** The command is accepted; the state after folding the produced events satisfies `check`. */
  thenState(check: (state: Payout, produced: PayoutEvent[]) => void): Then;
  /** Shortcut: the command is accepted and the payout ends in `status`. */
  thenStatus(status: PayoutStatus): Then;
}

export interface When {
  when(command: PayoutCommand, now?: Date): Then;
}

export function given(...streams: (PayoutEvent | PayoutEvent[])[]): When {
  const events = streams.flat();
  return {
    when(command: PayoutCommand, now: Date = NOW): Then {
      const before = fold(events);
      const result = decider.decide(command, before, now);
      const accepted = (): PayoutEvent[] => {
        if (!result.ok) throw new Error(`Expected ${command.type} to be accepted, got ${result.error.code}: ${result.error.message}`);
        return result.events;
      };
      const self: Then = {
        result,
        then(expected) {
          if (typeof expected === 'function')
            throw new Error('A given().when() chain was returned or awaited: use a block body in the test');
          expect(result).toEqual({ ok: true, events: expected });
          return self;
        },
        thenNothing() {
          expect(result).toEqual({ ok: true, events: [] });
          return self;
        },
        thenError(code) {
          expect(result.ok ? { ok: true, events: result.events.map((e) => e.type) } : { ok: false, code: result.error.code }).toEqual({
            ok: false,
            code,
          });
          if (!result.ok) expect(result.error.message).toEqual(expect.any(String));
          return self;
        },
        thenState(check) {
          const produced = accepted();
          const after = produced.reduce(evolve, before);
          if (after.status === 'NONE') throw new Error('No state after the produced events');
          check(after, produced);
          return self;
        },
        thenStatus(status) {
          return self.thenState((state) => expect(state.status).toBe(status));
        },
      };
      return self;
    },
  };
}

/** The events a command produces on top of a history; throws when refused. */
export function produce(events: readonly PayoutEvent[], command: PayoutCommand, now: Date = NOW): PayoutEvent[] {
  const result = decider.decide(command, fold(events), now);
  if (!result.ok) throw new Error(`${command.type} refused: ${result.error.code}: ${result.error.message}`);
  return result.events;
}

/** Runs commands one after the other (each must be accepted) and returns the whole stream. */
export function run(events: readonly PayoutEvent[], ...steps: (PayoutCommand | [PayoutCommand, Date])[]): PayoutEvent[] {
  let stream = [...events];
  for (const step of steps) {
    const [command, now] = Array.isArray(step) ? step : [step, NOW];
    stream = [...stream, ...produce(stream, command, now)];
  }
  return stream;
}

// ---------------------------------------------------------------- seeded PRNG

/** mulberry32: a tiny deterministic PRNG, so a failing property run can be replayed from its seed. */
export function prng(seed: number): {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}
