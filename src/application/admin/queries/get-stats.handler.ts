import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ADMIN_STATS, AdminStats, AdminStatsReadModel } from '../../ports/admin-stats.port';
import { CLOCK, Clock } from '../../ports/clock.port';
import { GetStatsQuery } from './get-stats.query';

@QueryHandler(GetStatsQuery)
export class GetStatsHandler implements IQueryHandler<GetStatsQuery> {
  constructor(
    @Inject(ADMIN_STATS) private readonly stats: AdminStatsReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(): Promise<AdminStats> {
    return this.stats.stats(this.clock.now());
  }
}
