import { randomUUID } from 'crypto';
import { EventStore, NO_STREAM, StoredEvent } from '../../src/application/ports/event-store.port';
import { Invoice } from '../../src/domain/destination/invoice';
import { schemaVersionOf } from '../../src/domain/events/event-catalogue';
import { PayoutEvent } from '../../src/domain/payout/payout-events';
import { payoutStreamName } from '../../src/domain/streams/stream-names';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { readStreamEvents } from './webhook-test-app';

/**
 * Payout streams written straight into the store, on the system clock, for specs that watch what the app does
 * with events (the webhook to the bot) without running the payment itself.
 */

let sequence = 0;
const newOrderId = () => `ord_wh_${Date.now().toString(36)}_${++sequence}`;
const e2eId = () => `E${String(Date.now()).padStart(18, '0')}${String(++sequence).padStart(13, '0')}`;
const nowIso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

/** A real regtest BOLT11 for 21,000 sats, valid for an hour from now, with its preimage. */
export function newInvoice(): Invoice & { preimage: string } {
  const minted = mintInvoice({ network: 'regtest', amountMsat: 21_000_000, timestamp: Math.floor(Date.now() / 1000), expirySeconds: 3600 });
  return {
    bolt11: minted.bolt11,
    paymentHash: minted.paymentHash,
    amountMsat: 21_000_000,
    expiresAt: nowIso(3_600_000),
    preimage: minted.preimage,
  };
}

/** Realistic payout events, appended through the real EventStore with optimistic concurrency like the app does. */
export class PayoutStreamWriter {
  revision: number | typeof NO_STREAM = NO_STREAM;
  readonly stored: StoredEvent[] = [];

  constructor(
    private readonly store: EventStore,
    readonly orderId = newOrderId(),
  ) {}

  /** Appends the events as one batch; returns them as stored (ids, createdAt). */
  async append(...events: PayoutEvent[]): Promise<StoredEvent[]> {
    const correlationId = randomUUID();
    const envelopes = events.map((event) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata: { correlationId, causationId: null, actor: 'system' as const, schemaVersion: schemaVersionOf(event.type) },
    }));
    const result = await this.store.append(payoutStreamName(this.orderId), envelopes, this.revision);
    this.revision = result.nextRevision;
    const all = await readStreamEvents(this.store, payoutStreamName(this.orderId));
    const appended = all.filter((event) => envelopes.some((envelope) => envelope.id === event.id));
    this.stored.push(...appended);
    return appended;
  }

  /** Appends one event; returns it as stored. */
  async one(event: PayoutEvent): Promise<StoredEvent> {
    return (await this.append(event))[0];
  }

  pixConfirmed(): PayoutEvent {
    return {
      type: 'PixConfirmed',
      data: {
        orderId: this.orderId,
        endToEndId: e2eId(),
        amountCents: 5000,
        amountSats: 21000,
        paidAt: nowIso(-60_000),
        confirmedAt: nowIso(),
      },
    };
  }
}

/** Realistic payout events, timed now. */
export const ev = {
  bolt11Submitted: (invoice: Invoice): PayoutEvent => ({
    type: 'DestinationSubmitted',
    data: {
      destination: invoice.bolt11,
      kind: 'bolt11',
      invoice: { bolt11: invoice.bolt11, paymentHash: invoice.paymentHash, amountMsat: invoice.amountMsat, expiresAt: invoice.expiresAt },
      submittedAt: nowIso(),
    },
  }),
  addressSubmitted: (address = 'alice@example.com'): PayoutEvent => ({
    type: 'DestinationSubmitted',
    data: { destination: address, kind: 'lightning_address', invoice: null, submittedAt: nowIso() },
  }),
  addressResolved: (invoice: Invoice, address = 'alice@example.com'): PayoutEvent => ({
    type: 'AddressResolved',
    data: {
      address,
      invoice: { bolt11: invoice.bolt11, paymentHash: invoice.paymentHash, amountMsat: invoice.amountMsat, expiresAt: invoice.expiresAt },
      resolvedAt: nowIso(),
    },
  }),
  destinationRejected: (permanent: boolean, reason: string, address = 'alice@example.com'): PayoutEvent => ({
    type: 'DestinationRejected',
    data: { destination: address, reason, permanent, rejectedAt: nowIso() },
  }),
  attempted: (invoice: Invoice, attempt: number): PayoutEvent => ({
    type: 'PaymentAttempted',
    data: { attempt, paymentHash: invoice.paymentHash, bolt11: invoice.bolt11, amountMsat: invoice.amountMsat, attemptedAt: nowIso() },
  }),
  lnbits520: (invoice: Invoice, attempt: number): PayoutEvent => ({
    type: 'Payment520',
    data: {
      attempt,
      paymentHash: invoice.paymentHash,
      source: 'lnbits',
      httpStatus: 520,
      detail: 'Payment is pending',
      lnbitsStatus: 'pending',
      cfRay: null,
      receivedAt: nowIso(),
    },
  }),
  cloudflare520: (invoice: Invoice, attempt: number): PayoutEvent => ({
    type: 'Payment520',
    data: {
      attempt,
      paymentHash: invoice.paymentHash,
      source: 'cloudflare',
      httpStatus: 520,
      detail: null,
      lnbitsStatus: null,
      cfRay: '8a1b2c3d4e5f6789-GRU',
      receivedAt: nowIso(),
    },
  }),
  pending: (invoice: Invoice): PayoutEvent => ({
    type: 'PaymentPending',
    data: { paymentHash: invoice.paymentHash, reason: 'Payment is pending', observedAt: nowIso() },
  }),
  unknown: (invoice: Invoice): PayoutEvent => ({
    type: 'PaymentOutcomeUnknown',
    data: { paymentHash: invoice.paymentHash, reason: 'Cloudflare 520', observedAt: nowIso() },
  }),
  statusChecked: (invoice: Invoice): PayoutEvent => ({
    type: 'PaymentStatusChecked',
    data: { paymentHash: invoice.paymentHash, result: 'pending', detail: null, checkedAt: nowIso() },
  }),
  settled: (invoice: Invoice & { preimage: string }): PayoutEvent => ({
    type: 'PaymentSettled',
    data: { paymentHash: invoice.paymentHash, preimage: invoice.preimage, feeMsat: 1000, settledAt: nowIso() },
  }),
  failed: (invoice: Invoice, newInvoiceMayHelp: boolean, reason = 'no route found'): PayoutEvent => ({
    type: 'PaymentFailed',
    data: { paymentHash: invoice.paymentHash, reason, newInvoiceMayHelp, failedAt: nowIso() },
  }),
  retryQueued: (reason = 'in-process retries exhausted: no route found'): PayoutEvent => ({
    type: 'RetryQueued',
    // Far away: nothing but the test touches these payouts.
    data: { reason, nextAttemptAt: nowIso(24 * 3_600_000), queuedAt: nowIso(), cause: null },
  }),
  cancelled: (reason = 'refunded by PIX'): PayoutEvent => ({ type: 'PayoutCancelled', data: { reason, cancelledAt: nowIso() } }),
  escalated: (reason = 'contradictory answers from the wallet'): PayoutEvent => ({
    type: 'PayoutEscalated',
    data: { reason, escalatedAt: nowIso() },
  }),
  escalationCleared: (): PayoutEvent => ({ type: 'EscalationCleared', data: { clearedAt: nowIso() } }),
};
