import { Invoice } from '../../domain/destination/invoice';
import { Clock } from '../ports/clock.port';
import { PayOutcome, PaymentStatus, WalletInfo, WalletPayment, WalletPort } from '../ports/wallet.port';
import { WalletMonitor } from './wallet-monitor';

/** The wallet port as the processor sees it: every payment POST and status check also feeds the Voltz monitor. */
export class MonitoredWallet implements WalletPort {
  constructor(
    private readonly wallet: WalletPort,
    private readonly monitor: WalletMonitor,
    private readonly clock: Clock,
  ) {}

  async pay(invoice: Invoice): Promise<PayOutcome> {
    const started = this.clock.now();
    const outcome = await this.wallet.pay(invoice).catch((error: Error): never => {
      // The client classifies every answer; a throw is a bug, but for the breaker it is still "no answer".
      this.monitor.recordPayment({ kind: 'unknown', reason: error.message }, started, invoice.amountMsat);
      throw error;
    });
    this.monitor.recordPayment(outcome, started, invoice.amountMsat);
    return outcome;
  }

  async checkPayment(paymentHash: string): Promise<PaymentStatus> {
    const started = this.clock.now();
    const status = await this.wallet.checkPayment(paymentHash);
    this.monitor.recordStatusCheck(status, started);
    return status;
  }

  getWallet(): Promise<WalletInfo> {
    return this.wallet.getWallet();
  }

  listPayments(options: { limit: number; offset: number }): Promise<WalletPayment[]> {
    return this.wallet.listPayments(options);
  }
}
