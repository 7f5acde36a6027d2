/** Rule violations are values, not exceptions: the caller maps each code to its answer (404, 409, 422...). */
export type PayoutErrorCode =
  | 'order_not_found'
  | 'order_conflict'
  | 'destination_locked'
  | 'destination_conflict'
  | 'payment_in_flight'
  | 'already_settled'
  | 'cancelled'
  | 'escalated'
  | 'payment_hash_dead'
  | 'invoice_expired'
  /** An invoice that can never pay this payout (wrong amount, or a payment hash the order already used): 422. */
  | 'invoice_mismatch'
  | 'unknown_payment_hash'
  | 'invalid_transition'
  /** An admin retry of a payout that waits for the bot or has ended. */
  | 'nothing_to_retry'
  /** A ConfirmPix without every PIX field (the HTTP layer checks first; the decider never trusts it). */
  | 'invalid_pix'
  /** The order was paid twice: only an admin acknowledgement closes it. */
  | 'double_payment'
  | 'no_double_payment';

export interface PayoutError {
  code: PayoutErrorCode;
  message: string;
}

export const payoutError = (code: PayoutErrorCode, message: string): PayoutError => ({ code, message });
