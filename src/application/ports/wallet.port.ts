import { Invoice } from '../../domain/destination/invoice';
import { PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';

export type { Http520Info, PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';

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
