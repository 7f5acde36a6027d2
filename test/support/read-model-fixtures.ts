import { randomUUID } from 'node:crypto';
import { EventToAppend } from '../../src/application/ports/event-store.port';
import { PayoutSettings } from '../../src/application/payout-settings';
import { GRACE_MS, MARGIN_MS, SLACK_MS } from '../../src/domain/payout/payout.fixtures';

/** The settings the read-model specs project with: the decider specs' timings. */
export const READ_MODEL_SETTINGS: PayoutSettings = {
  network: 'regtest',
  maxPayoutSats: 1_000_000,
  minInvoiceValiditySeconds: 60,
  invoiceMarginMs: MARGIN_MS,
  paymentRetryAttempts: 3,
  paymentRetryBaseMs: 100,
  paymentNotFoundGraceMs: GRACE_MS,
  voltzTimeoutMs: 10_000,
  escalateAfterAttempts: 5,
  sentInvoiceSlackMs: SLACK_MS,
  reservationTakeoverMs: 30_000,
};

/** An event as the app appends it, with a fresh id. */
export const envelope = (event: { type: string; data: object }): EventToAppend => ({
  id: randomUUID(),
  type: event.type,
  data: event.data as Record<string, unknown>,
  metadata: { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1 },
});
