import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { WalletMonitor } from '../../wallet-monitor/wallet-monitor';
import { WalletFundingService } from '../../wallet-monitor/wallet-funding.service';
import { GetVoltzStatusQuery, VoltzStatusView } from './get-voltz-status.query';

@QueryHandler(GetVoltzStatusQuery)
export class GetVoltzStatusHandler implements IQueryHandler<GetVoltzStatusQuery> {
  constructor(
    private readonly monitor: WalletMonitor,
    private readonly funding: WalletFundingService,
  ) {}

  async execute(): Promise<VoltzStatusView> {
    return { ...this.monitor.status(), wallet: await this.funding.funding() };
  }
}
