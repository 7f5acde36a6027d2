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
