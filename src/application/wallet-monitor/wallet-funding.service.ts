import { Inject, Injectable } from '@nestjs/common';
import { requiredMsat } from '../../domain/wallet/wallet-balance';
import { PAYOUT_READ_MODEL, PayoutReadModel } from '../ports/payout-read-model.port';
import { WalletMonitor, WalletBalanceStatus } from './wallet-monitor';

export interface WalletFunding extends WalletBalanceStatus {
  /** What the open payouts need: each amount plus the fee reserve LNbits holds back. */
  neededMsat: number;
}

/** The wallet's balance beside what the queue needs, for the admin views (Voltz status, stats). */
@Injectable()
export class WalletFundingService {
  constructor(
    private readonly monitor: WalletMonitor,
    @Inject(PAYOUT_READ_MODEL) private readonly payouts: PayoutReadModel,
  ) {}

  async funding(): Promise<WalletFunding> {
    const neededMsat = (await this.payouts.openAmounts()).reduce(
      (sum, { amountSats, count }) => sum + requiredMsat(amountSats * 1000) * count,
      0,
    );
    return { ...this.monitor.walletBalance(), neededMsat };
  }
}
