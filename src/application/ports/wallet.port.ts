import { Invoice } from '../../domain/destination/invoice';
import { PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';
import { PaymentPermit } from '../../domain/wallet/circuit-breaker';

export type { Http520Info, PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';
export type { PaymentPermit } from '../../domain/wallet/circuit-breaker';

export interface WalletInfo {
  name: string;
  balanceMsat: number;
}

export interface WalletPayment {
  paymentHash: string;
  amountMsat: number;
  feeMsat: number;
  status: 'pending' | 'success' | 'failed';
  preimage: string | null;
}

export interface WalletPort {
  pay(invoice: Invoice): Promise<PayOutcome>;
  checkPayment(paymentHash: string): Promise<PaymentStatus>;
  getWallet(): Promise<WalletInfo>;
  listPayments(options: { limit: number; offset: number }): Promise<WalletPayment[]>;
}

/** What the Voltz monitor asks of the wallet: its balance, and whether the payment path (POST) answers, without moving money. */
export interface ProbedWalletPort {
  getWallet(): Promise<WalletInfo>;
  /** Creates a 1-sat invoice (POST /api/v1/payments, out: false); throws when the wallet does not answer with one. */
  createProbeInvoice(): Promise<void>;
}

export const WALLET = Symbol('WALLET');

/**
 * Consulted right before a payment is claimed: a refused order is not claimed but waits in the fallback view.
 * `amountMsat` is the invoice's: a permit speaks for that much of the balance, fee reserve included.
 */
export interface PaymentGate {
  permit(amountMsat: number): PaymentPermit;
}

export const PAYMENT_GATE = Symbol('PAYMENT_GATE');
