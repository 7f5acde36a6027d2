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

export const HOUR_MS = 60 * 60 * 1000;

/** The starts of the last `hours` hours, the current one last. */
export function hourStarts(now: Date, hours: number): number[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, i) => current - (hours - 1 - i) * HOUR_MS);
}
