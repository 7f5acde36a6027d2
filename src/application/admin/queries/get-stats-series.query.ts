import { Query } from '@nestjs/cqrs';
import type { StatsSeries } from './get-stats-series.handler';

export class GetStatsSeriesQuery extends Query<StatsSeries> {
  constructor(readonly hours: number) {
    super();
  }
}
