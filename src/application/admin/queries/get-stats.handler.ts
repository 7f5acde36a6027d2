import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ADMIN_STATS, AdminStatsReadModel } from '../../ports/admin-stats.port';
import { CLOCK, Clock } from '../../ports/clock.port';
import { WalletFundingService } from '../../wallet-monitor/wallet-funding.service';
import { AdminStatsView, GetStatsQuery } from './get-stats.query';

@QueryHandler(GetStatsQuery)
export class GetStatsHandler implements IQueryHandler<GetStatsQuery> {
  constructor(
    @Inject(ADMIN_STATS) private readonly stats: AdminStatsReadModel,
    private readonly funding: WalletFundingService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(): Promise<AdminStatsView> {
    const [stats, wallet] = await Promise.all([this.stats.stats(this.clock.now()), this.funding.funding()]);
    return { ...stats, wallet };
  }
}
