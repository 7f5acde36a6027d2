import { PayoutSettings } from '../../application/payout-settings';
import { AppConfig } from './app-config';

/**
 * A raw BOLT11 from the bot must outlive the in-process retries and a sweep or
 * two; an invoice minted by a Lightning Address is paid at once, so a shorter
 * margin only has to cover one Voltz round trip.
 */
const BOLT11_MIN_REMAINING_SECONDS = 600;

export function payoutSettingsFrom(config: AppConfig): PayoutSettings {
  return {
    network: config.network,
    maxPayoutSats: config.maxPayoutSats,
    bolt11MinRemainingSeconds: BOLT11_MIN_REMAINING_SECONDS,
    invoiceMarginMs: 2 * config.voltzTimeoutMs,
    paymentRetryAttempts: config.paymentRetryAttempts,
    paymentRetryBaseMs: config.paymentRetryBaseMs,
    paymentNotFoundGraceMs: config.paymentNotFoundGraceMs,
    voltzTimeoutMs: config.voltzTimeoutMs,
    escalateAfterAttempts: config.escalateAfterAttempts,
    sentInvoiceSlackMs: config.sentInvoiceSlackMs,
  };
}
