import { Query } from '@nestjs/cqrs';
import { HourOfLedger } from '../../ports/stats-series.port';

/** GET /v1/admin/stats/series: the admin page's 24 h charts. */
export interface StatsSeries {
  bucket: 'hour';
  points: (HourOfLedger & { availability: number | null })[];
}

export class GetStatsSeriesQuery extends Query<StatsSeries> {
  constructor(readonly hours: number) {
    super();
  }
}
