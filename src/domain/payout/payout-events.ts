import { Invoice } from '../destination/invoice';
import { RejectionCategory, RetryCause } from '../payment/wallet-answers';

/**
 * Payout events: the public, versioned schema of a `payout-<orderId>` stream.
 * Once written an event type never changes meaning; add a new type instead.
 * Amounts are integers (sats, msat, cents); times are ISO-8601 strings.
 */
export type DestinationKind = 'lightning_address' | 'bolt11';

export type PixConfirmed = {
  type: 'PixConfirmed';
  data: { orderId: string; endToEndId: string; amountCents: number; amountSats: number; paidAt: string; confirmedAt: string };
};

/** The bot gave a destination; a raw BOLT11 arrives already validated, with its invoice. */
export type DestinationSubmitted = {
  type: 'DestinationSubmitted';
  data: { destination: string; kind: DestinationKind; invoice: Invoice | null; submittedAt: string };
};

/** A Lightning Address produced a fresh invoice (every LNURL callback mints a new payment hash). */
export type AddressResolved = {
  type: 'AddressResolved';
  data: { address: string; invoice: Invoice; resolvedAt: string };
};

/** Resolving the destination failed; permanent failures need a new destination from the customer. */
export type DestinationRejected = {
  type: 'DestinationRejected';
  data: { destination: string; reason: string; permanent: boolean; rejectedAt: string };
};

/** The durable claim, appended with the expected revision before any money can move. */
export type PaymentAttempted = {
  type: 'PaymentAttempted';
  data: { attempt: number; paymentHash: string; bolt11: string; amountMsat: number; attemptedAt: string };
};

/** Every HTTP 520 is kept for the audit trail, with who sent it. */
export type Payment520 = {
  type: 'Payment520';
  data: {
    attempt: number;
    paymentHash: string;
    source: 'lnbits' | 'cloudflare';
    httpStatus: number;
    detail: string | null;
    lnbitsStatus: string | null;
    cfRay: string | null;
    receivedAt: string;
  };
};

export type PaymentSettled = {
  type: 'PaymentSettled';
  data: { paymentHash: string; preimage: string | null; feeMsat: number; settledAt: string };
};

/** Definite failure: LNbits will never send this payment hash again. */
export type PaymentFailed = {
  type: 'PaymentFailed';
  data: { paymentHash: string; reason: string; newInvoiceMayHelp: boolean; failedAt: string };
};

export type PaymentPending = {
  type: 'PaymentPending';
  data: { paymentHash: string; reason: string; observedAt: string };
};

/** Nothing can be concluded (Cloudflare page, timeout, reset, 5xx): the money may have moved. */
export type PaymentOutcomeUnknown = {
  type: 'PaymentOutcomeUnknown';
  data: { paymentHash: string; reason: string; observedAt: string };
};

/** The wallet refused the request before recording any payment (bad key, limit, balance): nothing moved. */
export type PaymentRejected = {
  type: 'PaymentRejected';
  data: { paymentHash: string; reason: string; category: RejectionCategory; rejectedAt: string };
};

/**
 * A status check that did not conclude: still pending, a 404 that does not count yet (within the grace period, or
 * past it but not yet seen twice far enough apart: `not_found_unconfirmed`), or the wallet unreachable.
 */
export type PaymentStatusChecked = {
  type: 'PaymentStatusChecked';
  data: {
    paymentHash: string;
    result: 'pending' | 'not_found_within_grace' | 'not_found_unconfirmed' | 'unknown';
    detail: string | null;
    checkedAt: string;
  };
};

/**
 * A 404 that counts: seen at least twice, a quarter of the grace period or more apart, the later one past the grace
 * period since the attempt. The wallet never recorded the payment, so the hash is dead (but watched: rule 8).
 */
export type PaymentNotFound = {
  type: 'PaymentNotFound';
  data: { paymentHash: string; attemptedAt: string; checkedAt: string };
};

/** The current invoice expired before it could be (re)paid. */
export type InvoiceExpired = {
  type: 'InvoiceExpired';
  data: { paymentHash: string; expiresAt: string; observedAt: string };
};

/**
 * In-process retries are exhausted, or the wallet cannot pay now; the order waits in the fallback view for the
 * sweep. A `cause` marks a wait for the wallet — short of sats, or its circuit breaker open — which is not the
 * payout's own trouble and so not an escalation round; null when the payout's own tries ran out.
 */
export type RetryQueued = {
  type: 'RetryQueued';
  data: { reason: string; nextAttemptAt: string; queuedAt: string; cause: RetryCause | null };
};

export type PayoutCancelled = {
  type: 'PayoutCancelled';
  data: { reason: string; cancelledAt: string };
};

/**
 * A hash declared dead was status-checked once more and is still dead (docs/architecture.md, rule 8): before the order claims
 * another hash, and again after it settled.
 */
export type PaymentRechecked = {
  type: 'PaymentRechecked';
  data: { paymentHash: string; result: 'failed' | 'not_found'; detail: string | null; checkedAt: string };
};

/**
 * The wallet paid a second hash of an order that already settled on another one: money was doubled. The order
 * needs attention until an admin acknowledges it; a retry never clears it.
 */
export type DoublePaymentDetected = {
  type: 'DoublePaymentDetected';
  data: { paymentHash: string; settledPaymentHash: string; preimage: string | null; feeMsat: number; detectedAt: string };
};

/** An admin looked at a double payment (recovered the money, or wrote it off) and said why. */
export type DoublePaymentAcknowledged = {
  type: 'DoublePaymentAcknowledged';
  data: { paymentHashes: string[]; reason: string; acknowledgedAt: string };
};

/** Escalated to a human: retries exhausted or contradictory answers. */
export type PayoutEscalated = {
  type: 'PayoutEscalated';
  data: { reason: string; escalatedAt: string };
};

/** An admin asked to revisit an escalated order; automatic processing resumes. */
export type EscalationCleared = {
  type: 'EscalationCleared';
  data: { clearedAt: string };
};

export type PayoutEvent =
  | PixConfirmed
  | DestinationSubmitted
  | AddressResolved
  | DestinationRejected
  | PaymentAttempted
  | Payment520
  | PaymentSettled
  | PaymentFailed
  | PaymentPending
  | PaymentOutcomeUnknown
  | PaymentRejected
  | PaymentStatusChecked
  | PaymentNotFound
  | PaymentRechecked
  | InvoiceExpired
  | RetryQueued
  | PayoutCancelled
  | PayoutEscalated
  | EscalationCleared
  | DoublePaymentDetected
  | DoublePaymentAcknowledged;

export type PayoutEventType = PayoutEvent['type'];

export const PAYOUT_EVENT_TYPES: readonly PayoutEventType[] = [
  'PixConfirmed',
  'DestinationSubmitted',
  'AddressResolved',
  'DestinationRejected',
  'PaymentAttempted',
  'Payment520',
  'PaymentSettled',
  'PaymentFailed',
  'PaymentPending',
  'PaymentOutcomeUnknown',
  'PaymentRejected',
  'PaymentStatusChecked',
  'PaymentNotFound',
  'PaymentRechecked',
  'InvoiceExpired',
  'RetryQueued',
  'PayoutCancelled',
  'PayoutEscalated',
  'EscalationCleared',
  'DoublePaymentDetected',
  'DoublePaymentAcknowledged',
];

export function isPayoutEvent(event: { type: string }): event is PayoutEvent {
  return (PAYOUT_EVENT_TYPES as readonly string[]).includes(event.type);
}
