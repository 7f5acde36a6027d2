import { LightningNetwork } from '../domain/destination/lightning-network';
import { PayoutPolicy } from '../domain/payout/payout-workflow';

/** The knobs the payout use cases read; infrastructure fills them from the environment. */
export interface PayoutSettings {
  network: LightningNetwork;
  maxPayoutSats: number;
  /** A BOLT11 from the bot must have at least this long left when it arrives (MIN_INVOICE_VALIDITY_S). */
  minInvoiceValiditySeconds: number;
  /** An invoice is not (re)paid this close to its expiry. */
  invoiceMarginMs: number;
  paymentRetryAttempts: number;
  paymentRetryBaseMs: number;
  paymentNotFoundGraceMs: number;
  voltzTimeoutMs: number;
  escalateAfterAttempts: number;
  /** A sent invoice is abandoned only this long after its expiry (docs/architecture.md, rule 8). */
  sentInvoiceSlackMs: number;
  /** A reservation whose order has no stream is taken over after this long (RESERVATION_TAKEOVER_MS). */
  reservationTakeoverMs: number;
}

export const PAYOUT_SETTINGS = Symbol('PAYOUT_SETTINGS');

/** What the payout's decider and workflow read from the configuration. */
export function payoutPolicy(settings: PayoutSettings): PayoutPolicy {
  return {
    invoiceMarginMs: settings.invoiceMarginMs,
    paymentNotFoundGraceMs: settings.paymentNotFoundGraceMs,
    sentInvoiceSlackMs: settings.sentInvoiceSlackMs,
    claimTimeoutMs: settings.voltzTimeoutMs,
    paymentRetryAttempts: settings.paymentRetryAttempts,
    paymentRetryBaseMs: settings.paymentRetryBaseMs,
    escalateAfterAttempts: settings.escalateAfterAttempts,
  };
}
