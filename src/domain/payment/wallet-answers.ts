/**
 * The wallet's answers, classified (docs/lightning.md). They are domain facts: the
 * decider turns them into events; the Voltz client produces them.
 */

/** Where an HTTP 520 came from: LNbits' own JSON error, or a Cloudflare HTML page. */
export type Http520Info =
  { source: 'lnbits'; detail: string; lnbitsStatus: string | null } | { source: 'cloudflare'; httpStatus: number; cfRay: string | null };

/**
 * Every answer to "pay this invoice" is exactly one of these:
 * - settled: the wallet says the money moved;
 * - failed: definite failure, this payment hash is dead for LNbits forever;
 * - pending: the wallet says the payment is in flight;
 * - unknown: nothing can be concluded (Cloudflare 520/524, timeout, reset, other 5xx, unparsable);
 * - rejected: refused before any payment record existed (bad key, limits, bad request):
 *   nothing was paid and the hash is untouched, but retrying blindly will not help.
 */
export type PayOutcome =
  | { kind: 'settled'; preimage: string | null; feeMsat: number; http520?: Http520Info }
  | { kind: 'failed'; reason: string; newInvoiceMayHelp: boolean; http520?: Http520Info }
  | { kind: 'pending'; reason: string; http520?: Http520Info }
  | { kind: 'unknown'; reason: string; http520?: Http520Info }
  | { kind: 'rejected'; reason: string; category: 'configuration' | 'limit' | 'bad_request'; http520?: Http520Info };

/** Answer of GET /api/v1/payments/{hash}. */
export type PaymentStatus =
  | { kind: 'settled'; preimage: string | null; feeMsat: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending' }
  | { kind: 'not_found' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'rejected'; reason: string; category: 'configuration' };
