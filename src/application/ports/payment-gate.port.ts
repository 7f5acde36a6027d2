import { PaymentPermit } from '../../domain/wallet/circuit-breaker';

export type { PaymentPermit } from '../../domain/wallet/circuit-breaker';

/** Consulted right before a payment is claimed: a refused order is not claimed but waits in the fallback view. */
export interface PaymentGate {
  permit(): PaymentPermit;
}

export const PAYMENT_GATE = Symbol('PAYMENT_GATE');
