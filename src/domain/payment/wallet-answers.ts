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
  | { kind: 'rejected'; reason: string; category: RejectionCategory; http520?: Http520Info };

/**
 * Why LNbits refused a payment before recording it: the wallet or key is misconfigured, a limit of the wallet's
 * (rate, daily cap) applies, the balance cannot cover it (nothing moved; the same invoice can be paid after a
 * top-up), or the request itself was bad.
 */
export type RejectionCategory = 'configuration' | 'limit' | 'balance' | 'bad_request';

/**
 * Why a payment is held back before any claim: the wallet's state, not the payout's own trouble. The balance cannot
 * cover it (`wallet_short`) or the circuit breaker is not closed (`wallet_unavailable`).
 */
export type RetryCause = 'wallet_short' | 'wallet_unavailable';

/** Answer of GET /api/v1/payments/{hash}. */
export type PaymentStatus =
  | { kind: 'settled'; preimage: string | null; feeMsat: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending' }
  | { kind: 'not_found' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'rejected'; reason: string; category: 'configuration' };
