import { PayoutSettings } from '../../src/application/payout-settings';

/** The configuration's defaults, as the payout use cases see them; specs override what they test. */
export const PAYOUT_SETTINGS_DEFAULTS: PayoutSettings = {
  network: 'regtest',
  maxPayoutSats: 1_000_000,
  minInvoiceValiditySeconds: 60,
  invoiceMarginMs: 60_000,
  paymentRetryAttempts: 2,
  paymentRetryBaseMs: 0,
  paymentNotFoundGraceMs: 120_000,
  voltzTimeoutMs: 30_000,
  escalateAfterAttempts: 10,
  sentInvoiceSlackMs: 60_000,
  reservationTakeoverMs: 30_000,
};
