import { ReconciliationReport } from '../../domain/reconciliation/reconciliation-events';

/** What one sweep of the fallback queue did with the orders that were due. */
export interface SweepSummary {
  examined: number;
  settled: number;
  retried: number;
  stillPending: number;
  escalated: number;
  /** Ended waiting for the customer (FAILED) or cancelled meanwhile. */
  failed: number;
}

/** Which wallet call answered: a payment POST or a status check. */
export type WalletCall = 'pay' | 'status';

/** What the application reports as it works; the read models' figures are read at scrape time instead. */
export interface PayoutMetrics {
  walletAnswer(call: WalletCall, outcome: string, http520Source: 'lnbits' | 'cloudflare' | null, seconds: number): void;
  sweepFinished(seconds: number, summary: SweepSummary): void;
  reconciliationFinished(seconds: number, report: ReconciliationReport): void;
  /** This process recorded a DoublePaymentDetected. */
  doublePaymentDetected(): void;
}

export const PAYOUT_METRICS = Symbol('PAYOUT_METRICS');

/** METRICS_ENABLED=false, and unit tests that do not look at metrics. */
export const NO_METRICS: PayoutMetrics = {
  walletAnswer: () => undefined,
  sweepFinished: () => undefined,
  reconciliationFinished: () => undefined,
  doublePaymentDetected: () => undefined,
};
