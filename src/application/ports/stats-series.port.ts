/** One hour of GET /v1/admin/stats/series from the projections: settled payouts and Voltz 520s. */
export interface HourOfLedger {
  /** Start of the hour (ISO-8601, UTC). */
  at: string;
  settled: number;
  sats: number;
  voltz520: number;
}

/** Hourly figures of the last `hours` hours up to `now`, oldest first, every hour present (zeros where nothing happened). */
export interface StatsSeriesReadModel {
  hourly(now: Date, hours: number): Promise<HourOfLedger[]>;
}

export const STATS_SERIES = Symbol('STATS_SERIES');
