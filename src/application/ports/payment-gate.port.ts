import { PaymentPermit } from '../../domain/wallet/circuit-breaker';

export type { PaymentPermit } from '../../domain/wallet/circuit-breaker';

/**
 * Consulted right before a payment is claimed: a refused order is not claimed but waits in the fallback view.
 * `amountMsat` is the invoice's: a permit speaks for that much of the balance, fee reserve included.
 */
export interface PaymentGate {
  permit(amountMsat: number): PaymentPermit;
}

export const PAYMENT_GATE = Symbol('PAYMENT_GATE');
