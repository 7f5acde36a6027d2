/**
 * Values that may belong to one order only. Each reservation is a stream of
 * its own, created with NO_STREAM, so two orders racing for one value cannot
 * both win — a durable uniqueness rule that no eventually consistent read
 * model could give.
 *
 * - a PIX end-to-end id pays for one order;
 * - a payment hash pays one order: were one invoice given for two orders, a
 *   single wallet payment would settle both.
 */
export type Reservation =
  | { type: 'EndToEndIdReserved'; data: { endToEndId: string; orderId: string; reservedAt: string } }
  | { type: 'PaymentHashReserved'; data: { paymentHash: string; orderId: string; reservedAt: string } };

export const RESERVATION_SCHEMA_VERSION = 1;

