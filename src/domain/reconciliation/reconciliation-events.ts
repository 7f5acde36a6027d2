/**
 * Design rule 9: the wallet's payment list matched to the ledger by payment
 * hash. `paid_not_settled` and `paid_twice` are answered in the order's own
 * stream (PaymentSettled, DoublePaymentDetected); every kind is reported.
 */
export type DiscrepancyKind = 'paid_not_settled' | 'settled_not_paid' | 'paid_twice' | 'amount_mismatch' | 'unknown_wallet_payment';

export interface Discrepancy {
  kind: DiscrepancyKind;
  orderId: string | null;
  paymentHash: string;
  detail: string;
}

export interface ReconciliationReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  walletPayments: number;
  ledgerSettled: number;
  matched: number;
  discrepancies: Discrepancy[];
}

/** A discrepancy the order's stream cannot hold; recorded once per kind and hash, however many runs see it. */
export type DiscrepancyFound = {
  type: 'ReconciliationDiscrepancyFound';
  data: Discrepancy & { runId: string; foundAt: string };
};

/** A run's report; the latest is what admins see. */
export type ReconciliationCompleted = {
  type: 'ReconciliationCompleted';
  data: ReconciliationReport;
};

export type ReconciliationEvent = DiscrepancyFound | ReconciliationCompleted;

/** Kinds the order's own stream answers, through the status-check path. */
export const ANSWERED_BY_THE_ORDER: ReadonlySet<DiscrepancyKind> = new Set(['paid_not_settled', 'paid_twice']);
