import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '../../ports/clock.port';
import { STATS_SERIES, StatsSeriesReadModel } from '../../ports/stats-series.port';
import { WalletMonitor } from '../../wallet-monitor/wallet-monitor';
import { GetStatsSeriesQuery, StatsSeries } from './get-stats-series.query';

@QueryHandler(GetStatsSeriesQuery)
export class GetStatsSeriesHandler implements IQueryHandler<GetStatsSeriesQuery> {
  constructor(
    @Inject(STATS_SERIES) private readonly series: StatsSeriesReadModel,
    private readonly monitor: WalletMonitor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(query: GetStatsSeriesQuery): Promise<StatsSeries> {
    const hours = await this.series.hourly(this.clock.now(), query.hours);
    // Availability is what this instance saw (its monitor's samples), not a figure of the ledger.
    return {
      bucket: 'hour',
      points: hours.map((hour) => ({ ...hour, availability: this.monitor.availabilityInHour(Date.parse(hour.at)) })),
    };
  }
}
