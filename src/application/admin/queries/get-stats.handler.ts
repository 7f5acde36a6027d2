import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ADMIN_STATS, AdminStats, AdminStatsReadModel } from '../../ports/admin-stats.port';
import { CLOCK, Clock } from '../../ports/clock.port';
import { WalletFunding, WalletFundingService } from '../../wallet-monitor/wallet-funding.service';
import { GetStatsQuery } from './get-stats.query';

/** The stats of docs/api.md, plus the wallet's balance beside what the open payouts need. */
export type AdminStatsView = AdminStats & { wallet: WalletFunding };

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
