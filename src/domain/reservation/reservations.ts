import { endToEndIdStreamName, paymentHashStreamName } from '../streams/stream-names';
import { PayoutState } from '../payout/payout-state';

/**
 * Values that may belong to one order only. Each reservation is a stream of
 * its own, so two orders racing for one value cannot both win — a durable
 * uniqueness rule that no eventually consistent read model could give.
 *
 * - a PIX end-to-end id pays for one order;
 * - a payment hash pays one order: were one invoice given for two orders, a
 *   single wallet payment would settle both.
 *
 * A reservation is made before the order's own append, and it is a claim, not
 * the truth: the order's stream is. A reservation whose order never came to
 * use the value (it lost a race, or its request was refused) is released, and
 * should the release be lost (a crash), it is recognised as stale and taken
 * over — so a refused or losing request never leaves a value held.
 */
export type Reservation =
  | { type: 'EndToEndIdReserved'; data: { endToEndId: string; orderId: string; reservedAt: string } }
  | { type: 'PaymentHashReserved'; data: { paymentHash: string; orderId: string; reservedAt: string } }
  | { type: 'ReservationReleased'; data: { orderId: string; reason: string; releasedAt: string } };

export type ReservedValue = { kind: 'endToEndId'; endToEndId: string } | { kind: 'paymentHash'; paymentHash: string };

/**
 * A reservation whose order has no stream yet is a request in progress for
 * this long (RESERVATION_TAKEOVER_MS); after it, a crash between the
 * reservation and the order's append is assumed, and the value is free again.
 * The span it covers is short (the order's append follows the reservation in
 * the same request) but bounded only by the store's busy waits.
 */
export const DEFAULT_RESERVATION_TAKEOVER_MS = 30_000;

export const reservationStreamOf = (value: ReservedValue): string =>
  value.kind === 'endToEndId' ? endToEndIdStreamName(value.endToEndId) : paymentHashStreamName(value.paymentHash);

/** Whether the order, as its stream says, uses the value: what makes its reservation real. */
export function orderUses(state: PayoutState, value: ReservedValue): boolean {
  if (state.status === 'NONE') return false;
  return value.kind === 'endToEndId' ? state.endToEndId === value.endToEndId : state.invoiceHashes.includes(value.paymentHash);
}

/**
 * Does the holder of a reservation really hold it? Yes if its order uses the
 * value, or has no stream yet and the reservation is recent (its request is
 * still under way); otherwise the reservation is stale.
 */
export function reservationHolds(
  holder: PayoutState,
  value: ReservedValue,
  reservedAt: string,
  now: Date,
  takeoverMs: number = DEFAULT_RESERVATION_TAKEOVER_MS,
): boolean {
  if (holder.status !== 'NONE') return orderUses(holder, value);
  return now.getTime() - Date.parse(reservedAt) < takeoverMs;
}

export function reservationOf(value: ReservedValue, orderId: string, reservedAt: string): Reservation {
  return value.kind === 'endToEndId'
    ? { type: 'EndToEndIdReserved', data: { endToEndId: value.endToEndId, orderId, reservedAt } }
    : { type: 'PaymentHashReserved', data: { paymentHash: value.paymentHash, orderId, reservedAt } };
}
