import { PayoutSettings } from '../../application/payout-settings';
import { AppConfig } from './app-config';

/**
 * invoiceMarginMs covers invoices minted by a Lightning Address, which are paid
 * at once: the margin only has to outlast one Voltz round trip and its status check.
 */
export function payoutSettingsFrom(config: AppConfig): PayoutSettings {
  return {
    network: config.network,
    maxPayoutSats: config.maxPayoutSats,
    minInvoiceValiditySeconds: config.minInvoiceValiditySeconds,
    invoiceMarginMs: 2 * config.voltzTimeoutMs,
    paymentRetryAttempts: config.paymentRetryAttempts,
    paymentRetryBaseMs: config.paymentRetryBaseMs,
    paymentNotFoundGraceMs: config.paymentNotFoundGraceMs,
    voltzTimeoutMs: config.voltzTimeoutMs,
    escalateAfterAttempts: config.escalateAfterAttempts,
    sentInvoiceSlackMs: config.sentInvoiceSlackMs,
    reservationTakeoverMs: config.reservationTakeoverMs,
  };
}
