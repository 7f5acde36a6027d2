import { Invoice } from '../../domain/destination/invoice';
import { Clock } from '../ports/clock.port';
import { PayoutMetrics } from '../ports/payout-metrics.port';
import { PayOutcome, PaymentStatus, WalletInfo, WalletPayment, WalletPort } from '../ports/wallet.port';

/** Counts every payment POST and status check by outcome (and where a 520 came from), like MonitoredWallet feeds the monitor. */
export class MeteredWallet implements WalletPort {
  constructor(
    private readonly wallet: WalletPort,
    private readonly metrics: PayoutMetrics,
    private readonly clock: Clock,
  ) {}

  async pay(invoice: Invoice): Promise<PayOutcome> {
    const started = this.clock.now().getTime();
    try {
      const outcome = await this.wallet.pay(invoice);
      this.metrics.walletAnswer('pay', outcome.kind, outcome.http520?.source ?? null, this.secondsSince(started));
      return outcome;
    } catch (error) {
      this.metrics.walletAnswer('pay', 'error', null, this.secondsSince(started));
      throw error;
    }
  }

  async checkPayment(paymentHash: string): Promise<PaymentStatus> {
    const started = this.clock.now().getTime();
    try {
      const status = await this.wallet.checkPayment(paymentHash);
      this.metrics.walletAnswer('status', status.kind, null, this.secondsSince(started));
      return status;
    } catch (error) {
      this.metrics.walletAnswer('status', 'error', null, this.secondsSince(started));
      throw error;
    }
  }

  getWallet(): Promise<WalletInfo> {
    return this.wallet.getWallet();
  }

  listPayments(options: { limit: number; offset: number }): Promise<WalletPayment[]> {
    return this.wallet.listPayments(options);
  }

  private secondsSince(started: number): number {
    return Math.max(0, this.clock.now().getTime() - started) / 1000;
  }
}
