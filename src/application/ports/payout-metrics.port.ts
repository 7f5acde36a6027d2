import { ReconciliationReport } from '../../domain/reconciliation/reconciliation-events';

/** What one fallback sweep did with the orders it examined, each counted once by where it ended. */
export interface SweepSummary {
  examined: number;
  settled: number;
  /** Still under way, and this sweep paid or asked the address for an invoice again. */
  retried: number;
  /** Still under way, and this sweep only looked (a status check, a claim still in a worker's hands). */
  stillPending: number;
  escalated: number;
  /** Ended waiting for the customer's new destination (FAILED). */
  failed: number;
  /** Cancelled meanwhile. */
  cancelled: number;
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
