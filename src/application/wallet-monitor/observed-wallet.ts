import { Invoice } from '../../domain/destination/invoice';
import { Clock } from '../ports/clock.port';
import { NO_METRICS, PayoutMetrics } from '../ports/payout-metrics.port';
import { PayOutcome, PaymentStatus, WalletInfo, WalletPayment, WalletPort } from '../ports/wallet.port';
import { WalletMonitor } from './wallet-monitor';

/**
 * The wallet port as the processor sees it: every payment POST and status check also feeds the wallet monitor (the
 * breaker and the balance) and the metrics (counted by outcome, and by where a 520 came from).
 */
export class ObservedWallet implements WalletPort {
  constructor(
    private readonly wallet: WalletPort,
    private readonly monitor: WalletMonitor,
    private readonly clock: Clock,
    private readonly metrics: PayoutMetrics = NO_METRICS,
  ) {}

  async pay(invoice: Invoice): Promise<PayOutcome> {
    const started = this.clock.now();
    let outcome: PayOutcome;
    try {
      outcome = await this.wallet.pay(invoice);
    } catch (error) {
      // The client classifies every answer; a throw is a bug, but for the breaker it is still "no answer".
      this.monitor.recordPayment({ kind: 'unknown', reason: (error as Error).message }, started, invoice.amountMsat);
      this.metrics.walletAnswer('pay', 'error', null, this.secondsSince(started));
      throw error;
    }
    this.monitor.recordPayment(outcome, started, invoice.amountMsat);
    this.metrics.walletAnswer('pay', outcome.kind, outcome.http520?.source ?? null, this.secondsSince(started));
    return outcome;
  }

  async checkPayment(paymentHash: string): Promise<PaymentStatus> {
    const started = this.clock.now();
    let status: PaymentStatus;
    try {
      status = await this.wallet.checkPayment(paymentHash);
    } catch (error) {
      this.metrics.walletAnswer('status', 'error', null, this.secondsSince(started));
      throw error;
    }
    this.monitor.recordStatusCheck(status, started);
    this.metrics.walletAnswer('status', status.kind, null, this.secondsSince(started));
    return status;
  }

  getWallet(): Promise<WalletInfo> {
    return this.wallet.getWallet();
  }

  listPayments(options: { limit: number; offset: number }): Promise<WalletPayment[]> {
    return this.wallet.listPayments(options);
  }

  private secondsSince(started: Date): number {
    return Math.max(0, this.clock.now().getTime() - started.getTime()) / 1000;
  }
}
