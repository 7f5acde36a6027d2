/**
 * Every stream name the service writes, built and parsed here only: a
 * reader that recognises a stream by its name must agree with the writer.
 */
const PAYOUT_PREFIX = 'payout-';

export const payoutStreamName = (orderId: string): string => `${PAYOUT_PREFIX}${orderId}`;

/** The order of a payout stream; null for any other stream. */
export function orderIdOfPayoutStream(stream: string): string | null {
  return stream.startsWith(PAYOUT_PREFIX) && stream.length > PAYOUT_PREFIX.length ? stream.slice(PAYOUT_PREFIX.length) : null;
}

export const endToEndIdStreamName = (endToEndId: string): string => `pix-e2e-${endToEndId}`;

export const paymentHashStreamName = (paymentHash: string): string => `payment-hash-${paymentHash}`;

/** Audit trail of the webhook deliveries of one order. */
export const webhookStreamName = (orderId: string): string => `webhook-${orderId}`;

/** Findings and reports of the reconciliation against the wallet (docs/architecture.md, rule 9), one stream for every run. */
export const RECONCILIATION_STREAM = 'ledger-reconciliation';

/** The Voltz monitor's breaker transitions, shared by every instance. */
export const VOLTZ_MONITOR_STREAM = 'voltz-monitor';

/** Ledger digests: Merkle roots over every stream's head (tamper evidence). */
export const LEDGER_DIGEST_STREAM = 'ledger-digest';
