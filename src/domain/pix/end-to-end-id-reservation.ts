/**
 * A PIX end-to-end id pays for one order only. Its reservation is a stream of
 * its own, created with NO_STREAM, so two orders racing for one id cannot both
 * win — a durable uniqueness rule that no eventually consistent read model
 * could give.
 */
export type EndToEndIdReserved = {
  type: 'EndToEndIdReserved';
  data: { endToEndId: string; orderId: string; reservedAt: string };
};

export const endToEndIdStreamName = (endToEndId: string): string => `pix-e2e-${endToEndId}`;

export const END_TO_END_ID_SCHEMA_VERSION = 1;
