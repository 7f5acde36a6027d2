import { Invoice } from '../destination/invoice';
import { PayoutCommand, ValidDestination } from './payout-commands';
import { PayoutError, payoutError } from './payout-errors';
import { Payment520, PayoutEvent } from './payout-events';
import { PayoutStatus } from './payout-status';
import {
  Payout,
  PayoutState,
  assertNever,
  deadUnverified,
  evolve,
  hasUnacknowledgedDoublePayment,
  initialPayoutState,
  isDead,
  isLive,
  liveHash,
} from './payout-state';

/** The timings the rules read: configuration, never part of a command. */
export interface PayoutRules {
  /** A 404 for a claimed hash counts only past this grace, seen twice (rule 8): the wallet's records may lag. */
  paymentNotFoundGraceMs: number;
  /**
   * A sent invoice counts as expired only this long after its expiresAt (rule 8): the payee's node clock may lag
   * ours, and a new invoice must never be claimed while the old one could still be paid.
   */
  sentInvoiceSlackMs: number;
}

/** The configuration's defaults (PAYMENT_NOT_FOUND_GRACE_MS, SENT_INVOICE_EXPIRY_SLACK_MS). */
export const DEFAULT_PAYOUT_RULES: PayoutRules = { paymentNotFoundGraceMs: 120_000, sentInvoiceSlackMs: 60_000 };

export type DecideResult = { ok: true; events: PayoutEvent[] } | { ok: false; error: PayoutError };

/** The payout's decider in Emmett's shape: the rules, the fold, and the state before the first event. */
export interface PayoutDecider {
  decide(command: PayoutCommand, state: PayoutState, now: Date): DecideResult;
  evolve(state: PayoutState, event: PayoutEvent): PayoutState;
  initialState(): PayoutState;
}

export const payoutDecider = (rules: PayoutRules): PayoutDecider => ({
  decide: (command, state, now) => decide(command, state, now, rules),
  evolve,
  initialState: initialPayoutState,
});

/** Statuses an admin retry cannot move: they wait for the bot (a destination) or are final. */
const AT_REST: readonly PayoutStatus[] = ['AWAITING_DESTINATION', 'FAILED', 'SETTLED', 'CANCELLED'];

const accept = (...events: PayoutEvent[]): DecideResult => ({ ok: true, events });
const reject = (error: PayoutError): DecideResult => ({ ok: false, error });

/**
 * The payout rules. Pure: the state is the fold of the stream, `now` is
 * injected. The exactly-once rules of docs/architecture.md live here:
 * no claim while an earlier hash could still settle, no claim of a dead hash,
 * settled at most once.
 */
function decide(command: PayoutCommand, state: PayoutState, now: Date, rules: PayoutRules): DecideResult {
  const at = now.toISOString();
  if (state.status === 'NONE') return startPayout(command, at);

  switch (command.type) {
    case 'ConfirmPix':
      return confirmPixAgain(command.data, state, at);
    case 'SubmitDestination':
      return submitDestination(state, command.data.destination, at);
    case 'RecordResolution': {
      const guard = guardActive(state) ?? guardResolving(state, command.data.address);
      if (guard) return reject(guard);
      const { address, result } = command.data;
      const rejected = (reason: string, permanent: boolean): DecideResult =>
        accept({ type: 'DestinationRejected', data: { destination: address, reason, permanent, rejectedAt: at } });
      if (!result.ok) return rejected(result.reason, result.permanent);
      // An address server that hands back an invoice this order already used is recorded (and counted) like any
      // transient failure, so a server stuck on a dead invoice ends in NEEDS_ATTENTION instead of a silent loop.
      if (state.invoiceHashes.includes(result.invoice.paymentHash)) {
        return rejected(
          `${address} handed out invoice ${result.invoice.paymentHash} again, which this order already used; a new invoice is needed`,
          false,
        );
      }
      const invalid = checkInvoiceFits(state, result.invoice);
      if (invalid) return rejected(`${address}: ${invalid.message}`, true);
      return accept({ type: 'AddressResolved', data: { address, invoice: result.invoice, resolvedAt: at } });
    }
    case 'ClaimPayment':
      return claimPayment(state, command.data.invoice, now);
    case 'RecordPaymentOutcome':
      return recordPaymentOutcome(state, command.data, at);
    case 'RecordStatusCheck':
      return recordStatusCheck(state, command.data, now, rules.paymentNotFoundGraceMs);
    case 'RecordRecheck':
      return recordRecheck(state, command.data, at);
    case 'ExpireInvoice': {
      const guard = guardActive(state);
      if (guard) return reject(guard);
      const invoice = state.currentInvoice;
      if (!invoice || invoice.paymentHash !== command.data.paymentHash)
        return reject(payoutError('invalid_transition', 'That invoice is not the current one'));
      if (liveHash(state)) return reject(payoutError('payment_in_flight', 'A payment of this order could still settle'));
      const slackMs = rules.sentInvoiceSlackMs;
      if (state.hashes[invoice.paymentHash] && now.getTime() < Date.parse(invoice.expiresAt) + slackMs) {
        return reject(payoutError('invalid_transition', `A sent invoice counts as expired only ${slackMs} ms after its expiry`));
      }
      return accept({ type: 'InvoiceExpired', data: { paymentHash: invoice.paymentHash, expiresAt: invoice.expiresAt, observedAt: at } });
    }
    case 'QueueRetry': {
      const guard = guardActive(state);
      if (guard) return reject(guard);
      if (state.status === 'AWAITING_DESTINATION' || state.status === 'FAILED') {
        return reject(payoutError('invalid_transition', `Nothing to retry while ${state.status}`));
      }
      const { reason, nextAttemptAt, cause } = command.data;
      // One RetryQueued per hold: the sweeps that find the wallet still short (or still unavailable) record nothing.
      if (cause !== null && state.retryCause === cause) return accept();
      return accept({ type: 'RetryQueued', data: { reason, nextAttemptAt, queuedAt: at, cause } });
    }
    case 'CancelPayout': {
      if (state.cancelled) return accept();
      if (state.settlement) return reject(payoutError('already_settled', 'The payout is settled'));
      if (liveHash(state)) return reject(payoutError('payment_in_flight', 'A payment outcome is still unknown; it must be resolved first'));
      return accept({ type: 'PayoutCancelled', data: { reason: command.data.reason, cancelledAt: at } });
    }
    case 'EscalatePayout': {
      if (state.escalated) return accept();
      if (state.settlement || state.cancelled) return reject(payoutError('invalid_transition', `Cannot escalate a ${state.status} payout`));
      return accept({ type: 'PayoutEscalated', data: { reason: command.data.reason, escalatedAt: at } });
    }
    case 'ClearEscalation':
      if (hasUnacknowledgedDoublePayment(state)) {
        return reject(
          payoutError(
            'double_payment',
            'This order was paid twice; only an acknowledgement (POST .../acknowledge with a reason) closes it',
          ),
        );
      }
      if (state.escalated) return accept({ type: 'EscalationCleared', data: { clearedAt: at } });
      // What waits for the bot or has ended cannot be revisited: a 409 tells the admin so instead of a 202 that does nothing.
      if (AT_REST.includes(state.status)) return reject(payoutError('nothing_to_retry', `Nothing to retry: the payout is ${state.status}`));
      return accept();
    case 'AcknowledgeDoublePayment': {
      const double = state.doublePayment;
      if (!double || double.acknowledgedAt !== null)
        return reject(payoutError('no_double_payment', 'This order has no unacknowledged double payment'));
      return accept({
        type: 'DoublePaymentAcknowledged',
        data: { paymentHashes: double.paymentHashes, reason: command.data.reason, acknowledgedAt: at },
      });
    }
    default:
      return assertNever(command);
  }
}

type ConfirmPixData = Extract<PayoutCommand, { type: 'ConfirmPix' }>['data'];

const isPositiveSafeInteger = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** Defence in depth: whatever the HTTP layer let through, no payout exists without a complete PIX. */
function pixProblem(data: ConfirmPixData): string | null {
  if (typeof data.orderId !== 'string' || data.orderId.length === 0) return 'orderId is missing';
  if (typeof data.endToEndId !== 'string' || data.endToEndId.length === 0) return 'pix.endToEndId is missing';
  if (!isPositiveSafeInteger(data.amountCents)) return 'pix.amountCents must be a positive safe integer';
  if (!isPositiveSafeInteger(data.amountSats)) return 'amountSats must be a positive safe integer';
  if (typeof data.paidAt !== 'string' || Number.isNaN(Date.parse(data.paidAt))) return 'pix.paidAt must be an instant';
  return null;
}

/** On an empty stream only a confirmed PIX is accepted: it starts the payout. */
function startPayout(command: PayoutCommand, at: string): DecideResult {
  if (command.type !== 'ConfirmPix') return reject(payoutError('order_not_found', 'No payout exists for this order'));
  const problem = pixProblem(command.data);
  if (problem) return reject(payoutError('invalid_pix', problem));
  const { destination, ...pix } = command.data;
  if (destination?.kind === 'bolt11' && destination.invoice.amountMsat !== pix.amountSats * 1000) {
    return reject(payoutError('invoice_mismatch', 'The invoice amount differs from amountSats'));
  }
  const confirmed: PayoutEvent = { type: 'PixConfirmed', data: { ...pix, confirmedAt: at } };
  return destination ? accept(confirmed, destinationSubmitted(destination, at)) : accept(confirmed);
}

/** The same order confirmed again: a replay changes nothing, other values are a conflict. */
function confirmPixAgain(data: ConfirmPixData, state: Payout, at: string): DecideResult {
  const problem = pixProblem(data);
  if (problem) return reject(payoutError('invalid_pix', problem));
  const sameValues =
    state.endToEndId === data.endToEndId &&
    state.amountCents === data.amountCents &&
    state.amountSats === data.amountSats &&
    Date.parse(state.paidAt) === Date.parse(data.paidAt);
  if (!sameValues) return reject(payoutError('order_conflict', `Order ${data.orderId} already exists with different values`));
  const destination = data.destination;
  if (!destination || destination.value === state.destination?.value) return accept();
  if (state.status === 'AWAITING_DESTINATION') return submitDestination(state, destination, at);
  return reject(
    payoutError('destination_conflict', 'The order already has another destination; use PUT /v1/payouts/{orderId}/destination'),
  );
}

/**
 * The destination already accepted, sent again (a bot retrying after a timeout): answered with the payout as it
 * stands, whatever the state. Only FAILED differs: its destination has failed, and sending it again asks for a new
 * attempt (the customer fixed their address).
 */
export function isAcceptedDestination(state: Payout, value: string): boolean {
  return state.destination?.value === value && state.status !== 'FAILED';
}

function submitDestination(state: Payout, destination: ValidDestination, at: string): DecideResult {
  if (isAcceptedDestination(state, destination.value)) return accept();
  if (state.settlement) return reject(payoutError('already_settled', 'The payout is already settled'));
  if (state.cancelled) return reject(payoutError('cancelled', 'The payout was cancelled'));
  if (liveHash(state)) return reject(payoutError('payment_in_flight', 'A payment for this order is in flight or its outcome is unknown'));
  if (state.status !== 'AWAITING_DESTINATION' && state.status !== 'FAILED') {
    return reject(payoutError('destination_locked', `The destination cannot change while the payout is ${state.status}`));
  }
  if (destination.kind === 'bolt11') {
    const invalid = checkInvoiceFits(state, destination.invoice);
    if (invalid) return reject(invalid);
  }
  return accept(destinationSubmitted(destination, at));
}

function destinationSubmitted(destination: ValidDestination, at: string): PayoutEvent {
  return {
    type: 'DestinationSubmitted',
    data: {
      destination: destination.value,
      kind: destination.kind,
      invoice: destination.kind === 'bolt11' ? destination.invoice : null,
      submittedAt: at,
    },
  };
}

/** A payout that can still make progress by itself. */
function guardActive(state: Payout): PayoutError | null {
  if (state.settlement) return payoutError('already_settled', 'The payout is already settled');
  if (state.cancelled) return payoutError('cancelled', 'The payout was cancelled');
  if (state.escalated) return payoutError('escalated', 'The payout needs attention from an admin');
  return null;
}

function guardResolving(state: Payout, address: string): PayoutError | null {
  if (state.destination?.kind !== 'lightning_address' || state.destination.value !== address) {
    return payoutError('invalid_transition', 'That address is not the current destination');
  }
  if (state.needsNewDestination) return payoutError('invalid_transition', 'The payout waits for a new destination');
  if (liveHash(state)) return payoutError('payment_in_flight', 'An earlier payment hash could still settle');
  if (state.currentInvoice) return payoutError('invalid_transition', 'The current invoice is still usable');
  return null;
}

/** An invoice must pay exactly amountSats and carry a payment hash this order never used. */
function checkInvoiceFits(state: Payout, invoice: Invoice): PayoutError | null {
  if (invoice.amountMsat !== state.amountSats * 1000) {
    return payoutError('invoice_mismatch', `The invoice is for ${invoice.amountMsat} msat, the payout for ${state.amountSats * 1000} msat`);
  }
  const known = state.hashes[invoice.paymentHash];
  if (known?.outcome === 'failed') return payoutError('payment_hash_dead', 'This invoice already failed; a new invoice is needed');
  if (known) return payoutError('invoice_mismatch', 'This payment hash was already used by this order');
  return null;
}

function claimPayment(state: Payout, invoice: Invoice, now: Date): DecideResult {
  const guard = guardActive(state);
  if (guard) return reject(guard);
  if (state.hashes[invoice.paymentHash]?.outcome === 'failed')
    return reject(payoutError('payment_hash_dead', 'This payment hash failed definitively'));
  if (state.needsNewDestination) return reject(payoutError('invalid_transition', 'The payout waits for a new destination'));
  if (liveHash(state)) return reject(payoutError('payment_in_flight', 'An earlier payment hash could still settle'));
  // Only the stored invoice is ever paid: its amount was checked and its expiry is the truth.
  const current = state.currentInvoice;
  if (!current || !sameInvoice(current, invoice)) return reject(payoutError('invalid_transition', 'Only the current invoice may be paid'));
  if (Date.parse(current.expiresAt) <= now.getTime()) return reject(payoutError('invoice_expired', 'The invoice has expired'));
  // Rule 8: a new hash is claimed only once every dead hash of the order was confirmed dead by a second look.
  const unverified = state.hashes[current.paymentHash] ? undefined : deadUnverified(state);
  if (unverified)
    return reject(
      payoutError('invalid_transition', `Dead hash ${unverified.paymentHash} must be re-checked before another hash is claimed`),
    );
  return accept({
    type: 'PaymentAttempted',
    data: {
      attempt: state.attempts + 1,
      paymentHash: current.paymentHash,
      bolt11: current.bolt11,
      amountMsat: current.amountMsat,
      attemptedAt: now.toISOString(),
    },
  });
}

const sameInvoice = (a: Invoice, b: Invoice): boolean =>
  a.paymentHash === b.paymentHash &&
  a.bolt11 === b.bolt11 &&
  a.amountMsat === b.amountMsat &&
  Date.parse(a.expiresAt) === Date.parse(b.expiresAt);

type OutcomeData = Extract<PayoutCommand, { type: 'RecordPaymentOutcome' }>['data'];

function recordPaymentOutcome(state: Payout, { paymentHash, outcome }: OutcomeData, at: string): DecideResult {
  const record = state.hashes[paymentHash];
  if (!record) return reject(payoutError('unknown_payment_hash', `Payment hash ${paymentHash} was never claimed`));
  const prefix: PayoutEvent[] = [];
  if (outcome.http520) prefix.push(payment520(record.lastAttempt, paymentHash, outcome.http520, at));

  // First answer wins: a late answer for a claim already resolved (by a status check) changes nothing,
  // except that money truth is never dropped: a "settled" answer is recorded (or escalated if another hash settled).
  if (record.outcome !== 'in_flight') {
    if (outcome.kind !== 'settled') return accept();
    const events = settled(state, paymentHash, outcome.preimage, outcome.feeMsat, at);
    return events.length > 0 ? accept(...prefix, ...events) : accept();
  }

  switch (outcome.kind) {
    case 'settled':
      return accept(...prefix, ...settled(state, paymentHash, outcome.preimage, outcome.feeMsat, at));
    case 'failed':
      if (record.claims > 1) {
        // docs/lightning.md: re-POSTing an invoice that already succeeded can answer "failed" (limits -> balance ->
        // duplicate): never conclude anything from a re-send; the status endpoint decides.
        const reason = `failed on a re-send (${outcome.reason}): only a status check can tell`;
        return accept(...prefix, { type: 'PaymentOutcomeUnknown', data: { paymentHash, reason, observedAt: at } });
      }
      return accept(...prefix, {
        type: 'PaymentFailed',
        data: { paymentHash, reason: outcome.reason, newInvoiceMayHelp: outcome.newInvoiceMayHelp, failedAt: at },
      });
    case 'pending':
      return accept(...prefix, { type: 'PaymentPending', data: { paymentHash, reason: outcome.reason, observedAt: at } });
    case 'unknown':
      return accept(...prefix, { type: 'PaymentOutcomeUnknown', data: { paymentHash, reason: outcome.reason, observedAt: at } });
    case 'rejected':
      if (record.claims > 1) {
        // A refusal of a re-send proves nothing either: the first send may have paid.
        const reason = `refused on a re-send (${outcome.reason}): only a status check can tell`;
        return accept(...prefix, { type: 'PaymentOutcomeUnknown', data: { paymentHash, reason, observedAt: at } });
      }
      return accept(...prefix, {
        type: 'PaymentRejected',
        data: { paymentHash, reason: outcome.reason, category: outcome.category, rejectedAt: at },
      });
    default:
      return assertNever(outcome);
  }
}

function payment520(
  attempt: number,
  paymentHash: string,
  info: NonNullable<Extract<OutcomeData['outcome'], { kind: 'unknown' }>['http520']>,
  at: string,
): Payment520 {
  return {
    type: 'Payment520',
    data: {
      attempt,
      paymentHash,
      source: info.source,
      httpStatus: info.source === 'lnbits' ? 520 : info.httpStatus,
      detail: info.source === 'lnbits' ? info.detail : null,
      lnbitsStatus: info.source === 'lnbits' ? info.lnbitsStatus : null,
      cfRay: info.source === 'cloudflare' ? info.cfRay : null,
      receivedAt: at,
    },
  };
}

/** Settled at most once; a second hash reported paid means money was doubled: a human must look. */
function settled(state: Payout, paymentHash: string, preimage: string | null, feeMsat: number, at: string): PayoutEvent[] {
  if (!state.settlement) return [{ type: 'PaymentSettled', data: { paymentHash, preimage, feeMsat, settledAt: at } }];
  const settledHash = state.settlement.paymentHash;
  if (settledHash === paymentHash || state.doublePayment?.paymentHashes.includes(paymentHash)) return [];
  return [{ type: 'DoublePaymentDetected', data: { paymentHash, settledPaymentHash: settledHash, preimage, feeMsat, detectedAt: at } }];
}

type StatusData = Extract<PayoutCommand, { type: 'RecordStatusCheck' }>['data'];

function recordStatusCheck(state: Payout, { paymentHash, status }: StatusData, now: Date, notFoundGraceMs: number): DecideResult {
  const at = now.toISOString();
  const record = state.hashes[paymentHash];
  if (!record) return reject(payoutError('unknown_payment_hash', `Payment hash ${paymentHash} was never claimed`));
  if (status.kind === 'settled') return accept(...settled(state, paymentHash, status.preimage, status.feeMsat, at));
  // Only a hash that could still settle learns anything from a status check.
  if (!isLive(record)) return accept();

  switch (status.kind) {
    case 'failed':
      return accept({ type: 'PaymentFailed', data: { paymentHash, reason: status.reason, newInvoiceMayHelp: true, failedAt: at } });
    case 'pending':
      return accept({ type: 'PaymentStatusChecked', data: { paymentHash, result: 'pending', detail: null, checkedAt: at } });
    case 'not_found': {
      // Rule 8: a 404 counts only when seen twice, a quarter of the grace or more apart, the later past the grace.
      const age = now.getTime() - Date.parse(record.lastAttemptedAt);
      const firstSeen = record.notFoundSince === null ? null : Date.parse(record.notFoundSince);
      const apartMs = firstSeen === null ? 0 : now.getTime() - firstSeen;
      if (age >= notFoundGraceMs && firstSeen !== null && apartMs >= notFoundGraceMs / 4) {
        return accept({ type: 'PaymentNotFound', data: { paymentHash, attemptedAt: record.lastAttemptedAt, checkedAt: at } });
      }
      const detail =
        firstSeen === null ? `404 ${age} ms after the attempt` : `404 ${age} ms after the attempt, ${apartMs} ms after the first 404`;
      const result = age < notFoundGraceMs ? 'not_found_within_grace' : 'not_found_unconfirmed';
      return accept({ type: 'PaymentStatusChecked', data: { paymentHash, result, detail, checkedAt: at } });
    }
    case 'unknown':
    case 'rejected':
      return accept({ type: 'PaymentStatusChecked', data: { paymentHash, result: 'unknown', detail: status.reason, checkedAt: at } });
    default:
      return assertNever(status);
  }
}

type RecheckData = Extract<PayoutCommand, { type: 'RecordRecheck' }>['data'];

/**
 * Rule 8: a hash declared dead is looked at once more before the order claims another one, and after the order
 * settled. The wallet's latest word wins: paid settles (or is a double payment), pending makes the hash live again.
 */
function recordRecheck(state: Payout, { paymentHash, status }: RecheckData, at: string): DecideResult {
  const record = state.hashes[paymentHash];
  if (!record) return reject(payoutError('unknown_payment_hash', `Payment hash ${paymentHash} was never claimed`));
  if (status.kind === 'settled') return accept(...settled(state, paymentHash, status.preimage, status.feeMsat, at));
  if (!isDead(record)) return reject(payoutError('invalid_transition', `Payment hash ${paymentHash} is not dead`));
  switch (status.kind) {
    case 'failed':
      return accept({ type: 'PaymentRechecked', data: { paymentHash, result: 'failed', detail: status.reason, checkedAt: at } });
    case 'not_found':
      return accept({ type: 'PaymentRechecked', data: { paymentHash, result: 'not_found', detail: null, checkedAt: at } });
    case 'pending':
      return accept({
        type: 'PaymentPending',
        data: { paymentHash, reason: 'the wallet reports a hash it had declared dead as pending', observedAt: at },
      });
    case 'unknown':
    case 'rejected':
      return accept({ type: 'PaymentStatusChecked', data: { paymentHash, result: 'unknown', detail: status.reason, checkedAt: at } });
    default:
      return assertNever(status);
  }
}
