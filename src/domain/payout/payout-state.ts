import { Invoice } from '../destination/invoice';
import { DestinationKind, PayoutEvent } from './payout-events';
import { PayoutStatus } from './payout-status';
import { RetryCause } from '../payment/wallet-answers';

/**
 * What we know about one payment hash. in_flight/pending/unknown hashes "could
 * still settle"; failed/not_found/rejected hashes are dead.
 */
export type HashOutcome = 'in_flight' | 'pending' | 'unknown' | 'settled' | 'failed' | 'not_found' | 'rejected';

export interface PaymentHashRecord {
  paymentHash: string;
  invoice: Invoice;
  lastAttempt: number;
  lastAttemptedAt: string;
  /** How many times this hash was claimed: above 1, the last POST was a re-send (docs/lightning.md: never trust its "failed"). */
  claims: number;
  outcome: HashOutcome;
  /** First 404 seen for the latest claim of this hash: a 404 counts only when seen again well after it (rule 8). */
  notFoundSince: string | null;
  /** Set when a status check confirmed this dead hash still dead; cleared whenever the hash is live again. */
  recheckedAt: string | null;
}

/** Money the wallet moved twice for one order: NEEDS_ATTENTION until an admin acknowledges it. */
export interface DoublePayment {
  /** The settled hash first, then every other hash the wallet reported paid. */
  paymentHashes: string[];
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgeReason: string | null;
}

/** The state before the first event: no payout exists for the order yet. */
export interface NoPayout {
  status: 'NONE';
}

/** A payout, from its PixConfirmed on. */
export interface Payout {
  orderId: string;
  endToEndId: string;
  amountCents: number;
  amountSats: number;
  paidAt: string;
  createdAt: string;
  updatedAt: string;
  status: PayoutStatus;
  destination: { value: string; kind: DestinationKind } | null;
  /** The invoice the next claim would pay: the raw BOLT11, or the last one the address resolved to. */
  currentInvoice: Invoice | null;
  /** Payment hash of every invoice this order was ever given: what its payment-hash reservations hold. */
  invoiceHashes: string[];
  hashes: Record<string, PaymentHashRecord>;
  attempts: number;
  lastError: string | null;
  settlement: { paymentHash: string; preimage: string | null; feeMsat: number; settledAt: string } | null;
  /** The customer must give a new destination (permanent rejection, or a failure no new invoice cures). */
  needsNewDestination: boolean;
  escalated: boolean;
  cancelled: boolean;
  cancelledAt: string | null;
  /** When the payout last became FAILED (waiting for the customer); null while it is not. */
  failedAt: string | null;
  /** Set while the order waits in the fallback view; cleared by progress. */
  retryQueuedUntil: string | null;
  /** What the order waits for while it waits on the wallet's state (see RetryQueued); null otherwise. */
  retryCause: RetryCause | null;
  /** How many times in-process retries ran out: escalation counts these as well as payment attempts. */
  retriesQueued: number;
  /** Counters at the last EscalationCleared: an admin's retry gets a fresh allowance of attempts. */
  escalationBaseline: { attempts: number; retriesQueued: number };
  doublePayment: DoublePayment | null;
}

/** What the decider decides on: an empty stream is a state like any other, so no caller handles "no payout" as null. */
export type PayoutState = NoPayout | Payout;

export const initialPayoutState = (): PayoutState => ({ status: 'NONE' });

const LIVE: ReadonlySet<HashOutcome> = new Set(['in_flight', 'pending', 'unknown']);

export const isLive = (record: PaymentHashRecord): boolean => LIVE.has(record.outcome);

/** Declared dead by the wallet (definite failure, or a 404 that counts): watched all the same (rule 8). */
export const isDead = (record: PaymentHashRecord): boolean => record.outcome === 'failed' || record.outcome === 'not_found';

export const hasUnacknowledgedDoublePayment = (state: Payout): boolean =>
  state.doublePayment !== null && state.doublePayment.acknowledgedAt === null;

/** The first dead hash not confirmed dead since it died, if any: it is looked at once more before another is claimed. */
export function deadUnverified(state: Payout): PaymentHashRecord | undefined {
  return Object.values(state.hashes).find((record) => isDead(record) && record.recheckedAt === null);
}

/** The one hash that could still settle, if any (the decider never lets two be live at once). */
export function liveHash(state: Payout): PaymentHashRecord | null {
  return Object.values(state.hashes).find(isLive) ?? null;
}

function withHash(state: Payout, paymentHash: string, patch: Partial<PaymentHashRecord>): Record<string, PaymentHashRecord> {
  const record = state.hashes[paymentHash];
  if (!record) return state.hashes;
  return { ...state.hashes, [paymentHash]: { ...record, ...patch } };
}

/** The status a running payout falls back to when no terminal or queued condition holds. */
export function deriveStatus(state: Omit<Payout, 'status'>): PayoutStatus {
  if (state.doublePayment && state.doublePayment.acknowledgedAt === null) return 'NEEDS_ATTENTION';
  if (state.settlement) return 'SETTLED';
  if (state.escalated) return 'NEEDS_ATTENTION';
  if (state.cancelled) return 'CANCELLED';
  if (!state.destination) return 'AWAITING_DESTINATION';
  const live = Object.values(state.hashes).some(isLive);
  if (!live && (state.needsNewDestination || (state.destination.kind === 'bolt11' && !state.currentInvoice))) return 'FAILED';
  if (state.retryQueuedUntil) return 'RETRY_QUEUED';
  if (live || state.currentInvoice) return 'PAYING';
  return 'RESOLVING';
}

function apply(state: Payout, patch: Partial<Payout>): Payout {
  const merged = { ...state, ...patch };
  // A wait's cause ends with the wait.
  if (merged.retryQueuedUntil === null) merged.retryCause = null;
  const status = deriveStatus(merged);
  const failedAt = status !== 'FAILED' ? null : state.status === 'FAILED' ? state.failedAt : merged.updatedAt;
  return { ...merged, status, failedAt };
}

/**
 * Fold one event into the state. Pure; exhaustive over every event type.
 * PixConfirmed starts the payout; any other event before it changes nothing.
 */
export function evolve(state: PayoutState, event: PayoutEvent): PayoutState {
  if (event.type === 'PixConfirmed') return confirmed(event.data);
  return state.status === 'NONE' ? state : evolvePayout(state, event);
}

function confirmed(d: Extract<PayoutEvent, { type: 'PixConfirmed' }>['data']): Payout {
  return {
    orderId: d.orderId,
    endToEndId: d.endToEndId,
    amountCents: d.amountCents,
    amountSats: d.amountSats,
    paidAt: d.paidAt,
    createdAt: d.confirmedAt,
    updatedAt: d.confirmedAt,
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
  };
}

function evolvePayout(state: Payout, event: Exclude<PayoutEvent, { type: 'PixConfirmed' }>): Payout {
  switch (event.type) {
    case 'DestinationSubmitted':
      return apply(state, {
        destination: { value: event.data.destination, kind: event.data.kind },
        currentInvoice: event.data.invoice,
        invoiceHashes: withInvoiceHash(state, event.data.invoice),
        needsNewDestination: false,
        lastError: null,
        retryQueuedUntil: null,
        updatedAt: event.data.submittedAt,
      });
    case 'AddressResolved':
      return apply(state, {
        currentInvoice: event.data.invoice,
        invoiceHashes: withInvoiceHash(state, event.data.invoice),
        retryQueuedUntil: null,
        updatedAt: event.data.resolvedAt,
      });
    case 'DestinationRejected':
      return apply(state, {
        needsNewDestination: event.data.permanent,
        lastError: event.data.reason,
        updatedAt: event.data.rejectedAt,
      });
    case 'PaymentAttempted': {
      const d = event.data;
      const previous = state.hashes[d.paymentHash];
      const invoice = state.currentInvoice?.paymentHash === d.paymentHash ? state.currentInvoice : previous?.invoice;
      const record: PaymentHashRecord = {
        paymentHash: d.paymentHash,
        invoice: invoice ?? { bolt11: d.bolt11, paymentHash: d.paymentHash, amountMsat: d.amountMsat, expiresAt: d.attemptedAt },
        lastAttempt: d.attempt,
        lastAttemptedAt: d.attemptedAt,
        claims: (previous?.claims ?? 0) + 1,
        outcome: 'in_flight',
        notFoundSince: null,
        recheckedAt: null,
      };
      return apply(state, {
        hashes: { ...state.hashes, [d.paymentHash]: record },
        attempts: d.attempt,
        retryQueuedUntil: null,
        updatedAt: d.attemptedAt,
      });
    }
    case 'Payment520':
      return apply(state, { updatedAt: event.data.receivedAt });
    case 'PaymentSettled':
      return apply(state, {
        hashes: withHash(state, event.data.paymentHash, { outcome: 'settled' }),
        settlement: { ...event.data },
        // The money moved: whatever was escalated while the outcome was unknown is answered.
        escalated: false,
        retryQueuedUntil: null,
        updatedAt: event.data.settledAt,
      });
    case 'PaymentFailed':
      return apply(state, {
        hashes: withHash(state, event.data.paymentHash, { outcome: 'failed' }),
        currentInvoice: state.currentInvoice?.paymentHash === event.data.paymentHash ? null : state.currentInvoice,
        needsNewDestination: state.needsNewDestination || !event.data.newInvoiceMayHelp,
        lastError: event.data.reason,
        updatedAt: event.data.failedAt,
      });
    case 'PaymentPending':
      return apply(state, {
        hashes: withHash(state, event.data.paymentHash, { outcome: 'pending', notFoundSince: null, recheckedAt: null }),
        updatedAt: event.data.observedAt,
      });
    case 'PaymentOutcomeUnknown':
      return apply(state, {
        hashes: withHash(state, event.data.paymentHash, { outcome: 'unknown' }),
        lastError: event.data.reason,
        updatedAt: event.data.observedAt,
      });
    case 'PaymentRejected':
      return apply(state, {
        hashes: withHash(state, event.data.paymentHash, { outcome: 'rejected' }),
        lastError: event.data.reason,
        // An attempt the wallet refused for want of sats is the wallet's shortage, not the payout's: no escalation.
        ...(event.data.category === 'balance'
          ? { escalationBaseline: { ...state.escalationBaseline, attempts: state.escalationBaseline.attempts + 1 } }
          : {}),
        updatedAt: event.data.rejectedAt,
      });
    case 'PaymentStatusChecked':
      return apply(state, { hashes: afterStatusCheck(state, event.data), updatedAt: event.data.checkedAt });
    case 'PaymentNotFound':
      return apply(state, { hashes: withHash(state, event.data.paymentHash, { outcome: 'not_found' }), updatedAt: event.data.checkedAt });
    case 'PaymentRechecked': {
      // A hash dead by 404 that the wallet now calls failed can never be re-sent: it is failed from now on.
      const patch: Partial<PaymentHashRecord> = {
        recheckedAt: event.data.checkedAt,
        ...(event.data.result === 'failed' ? { outcome: 'failed' as const } : {}),
      };
      return apply(state, { hashes: withHash(state, event.data.paymentHash, patch), updatedAt: event.data.checkedAt });
    }
    case 'InvoiceExpired':
      return apply(state, {
        currentInvoice: state.currentInvoice?.paymentHash === event.data.paymentHash ? null : state.currentInvoice,
        lastError: `invoice ${event.data.paymentHash} expired at ${event.data.expiresAt}`,
        updatedAt: event.data.observedAt,
      });
    case 'RetryQueued':
      return apply(state, {
        lastError: event.data.reason,
        retryQueuedUntil: event.data.nextAttemptAt,
        retryCause: event.data.cause,
        retriesQueued: state.retriesQueued + (event.data.cause ? 0 : 1),
        updatedAt: event.data.queuedAt,
      });
    case 'PayoutCancelled':
      return apply(state, {
        cancelled: true,
        cancelledAt: event.data.cancelledAt,
        escalated: false,
        lastError: event.data.reason,
        retryQueuedUntil: null,
        updatedAt: event.data.cancelledAt,
      });
    case 'PayoutEscalated':
      return apply(state, { escalated: true, lastError: event.data.reason, retryQueuedUntil: null, updatedAt: event.data.escalatedAt });
    case 'EscalationCleared':
      return apply(state, {
        escalated: false,
        escalationBaseline: { attempts: state.attempts, retriesQueued: state.retriesQueued },
        updatedAt: event.data.clearedAt,
      });
    case 'DoublePaymentDetected': {
      const d = event.data;
      const earlier = state.doublePayment?.paymentHashes ?? [d.settledPaymentHash];
      return apply(state, {
        hashes: withHash(state, d.paymentHash, { outcome: 'settled' }),
        doublePayment: {
          paymentHashes: [...earlier, d.paymentHash],
          detectedAt: d.detectedAt,
          acknowledgedAt: null,
          acknowledgeReason: null,
        },
        lastError: `double_payment: ${d.paymentHash} was paid as well as ${d.settledPaymentHash}`,
        updatedAt: d.detectedAt,
      });
    }
    case 'DoublePaymentAcknowledged':
      if (!state.doublePayment) return state;
      return apply(state, {
        doublePayment: { ...state.doublePayment, acknowledgedAt: event.data.acknowledgedAt, acknowledgeReason: event.data.reason },
        updatedAt: event.data.acknowledgedAt,
      });
    default:
      return assertNever(event);
  }
}

function withInvoiceHash(state: Payout, invoice: Invoice | null): string[] {
  if (!invoice || state.invoiceHashes.includes(invoice.paymentHash)) return state.invoiceHashes;
  return [...state.invoiceHashes, invoice.paymentHash];
}

function afterStatusCheck(
  state: Payout,
  data: Extract<PayoutEvent, { type: 'PaymentStatusChecked' }>['data'],
): Record<string, PaymentHashRecord> {
  const record = state.hashes[data.paymentHash];
  if (!record) return state.hashes;
  switch (data.result) {
    case 'pending':
      return withHash(state, data.paymentHash, { outcome: 'pending', notFoundSince: null });
    case 'not_found_within_grace':
    case 'not_found_unconfirmed':
      return withHash(state, data.paymentHash, { notFoundSince: record.notFoundSince ?? data.checkedAt });
    case 'unknown':
      return state.hashes;
    default:
      return assertNever(data.result);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled event: ${JSON.stringify(value)}`);
}

export function foldPayout(events: Iterable<PayoutEvent>): PayoutState {
  let state = initialPayoutState();
  for (const event of events) state = evolve(state, event);
  return state;
}
