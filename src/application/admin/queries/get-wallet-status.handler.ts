import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { WalletMonitor } from '../../wallet-monitor/wallet-monitor';
import { WalletFundingService } from '../../wallet-monitor/wallet-funding.service';
import { GetWalletStatusQuery, WalletStatusView } from './get-wallet-status.query';

@QueryHandler(GetWalletStatusQuery)
export class GetWalletStatusHandler implements IQueryHandler<GetWalletStatusQuery> {
  constructor(
    private readonly monitor: WalletMonitor,
    private readonly funding: WalletFundingService,
  ) {}

  async execute(): Promise<WalletStatusView> {
    return { ...this.monitor.status(), wallet: await this.funding.funding() };
  }
}
