import { LEDGER_DIGEST_RECORDED } from '../ledger/ledger-digest';
import { PAYOUT_EVENT_TYPES } from '../payout/payout-events';
import { ReconciliationEvent } from '../reconciliation/reconciliation-events';
import { Reservation } from '../reservation/reservations';

/**
 * Every event the service writes, by the streams it is written to: the one list an auditor (docs/auditing.md) and
 * a reader of the code start from. An event type never changes meaning once written; a change of shape is a new
 * schema version here, with an upcaster, or a new type.
 *
 * The payout's events, the decider's facts, are typed in payout/payout-events.ts; the others are records of what
 * the service saw or did, typed beside their rules (reservations, reconciliation, the ledger digest) or here.
 */

/** The wallet monitor's transitions, in `voltz-monitor`: the circuit breaker and the low-balance incident. */
export const WALLET_MONITOR_EVENTS = {
  breaker: { open: 'VoltzBreakerOpened', half_open: 'VoltzBreakerHalfOpened', closed: 'VoltzBreakerClosed' },
  balance: { low: 'WalletLowBalance', restored: 'WalletBalanceRestored' },
} as const;

/** The `type` values of the webhook to the bot (docs/api.md), exactly. */
export const WEBHOOK_TYPES = [
  'payout.settled',
  'payout.failed',
  'payout.retry_queued',
  'payout.cancelled',
  'payout.needs_attention',
] as const;

export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** The outcome of each webhook delivery, in `webhook-<orderId>`. */
export type WebhookDeliveryEvent =
  | { type: 'WebhookDelivered'; data: { deliveryId: string; type: WebhookType; attempts: number; httpStatus: number; deliveredAt: string } }
  | {
      type: 'WebhookDeliveryAbandoned';
      data: { deliveryId: string; type: WebhookType; attempts: number; lastError: string; abandonedAt: string };
    };

const RESERVATION_TYPES: readonly Reservation['type'][] = ['EndToEndIdReserved', 'PaymentHashReserved', 'ReservationReleased'];
const RECONCILIATION_TYPES: readonly ReconciliationEvent['type'][] = ['ReconciliationDiscrepancyFound', 'ReconciliationCompleted'];
const WEBHOOK_DELIVERY_TYPES: readonly WebhookDeliveryEvent['type'][] = ['WebhookDelivered', 'WebhookDeliveryAbandoned'];

/** One entry per family of streams: where its events go, their types, and the schema version they are written at. */
export const EVENT_CATALOGUE = [
  { streams: 'payout-<orderId>', schemaVersion: 1, types: PAYOUT_EVENT_TYPES },
  { streams: 'pix-e2e-<endToEndId>, payment-hash-<paymentHash>', schemaVersion: 1, types: RESERVATION_TYPES },
  { streams: 'webhook-<orderId>', schemaVersion: 1, types: WEBHOOK_DELIVERY_TYPES },
  {
    streams: 'voltz-monitor',
    schemaVersion: 1,
    types: [...Object.values(WALLET_MONITOR_EVENTS.breaker), ...Object.values(WALLET_MONITOR_EVENTS.balance)],
  },
  { streams: 'ledger-reconciliation', schemaVersion: 1, types: RECONCILIATION_TYPES },
  { streams: 'ledger-digest', schemaVersion: 1, types: [LEDGER_DIGEST_RECORDED] },
] as const;

export type CatalogueEventType = (typeof EVENT_CATALOGUE)[number]['types'][number];

const VERSIONS: ReadonlyMap<string, number> = new Map(
  EVENT_CATALOGUE.flatMap((family) => family.types.map((type) => [type, family.schemaVersion] as const)),
);

/** The schema version an event of this type is written at (its metadata's `schemaVersion`). */
export function schemaVersionOf(type: CatalogueEventType): number {
  const version = VERSIONS.get(type);
  if (version === undefined) throw new Error(`${type} is not in the event catalogue`);
  return version;
}
