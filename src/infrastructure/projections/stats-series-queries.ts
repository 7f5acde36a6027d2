import { HourOfLedger } from '../../application/ports/stats-series.port';

/**
 * GET /v1/admin/stats/series in SQL both storages run: hours are the first 13
 * characters of the ISO-8601 UTC times the projections store ("2026-12-06T04"),
 * and $1, $2 bound the window [from, to).
 */
export const SETTLED_PER_HOUR =
  'SELECT substr(settled_at, 1, 13) AS hour, count(*) AS n, coalesce(sum(amount_sats), 0) AS sats ' +
  'FROM settlements WHERE settled_at >= $1 AND settled_at < $2 GROUP BY substr(settled_at, 1, 13)';

export const VOLTZ_520_PER_HOUR =
  'SELECT substr(received_at, 1, 13) AS hour, count(*) AS n FROM voltz_520 ' +
  'WHERE received_at >= $1 AND received_at < $2 GROUP BY substr(received_at, 1, 13)';

const HOUR_MS = 60 * 60 * 1000;

/** The starts of the last `hours` hours, the current one last. */
export function hourStarts(now: Date, hours: number): number[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, i) => current - (hours - 1 - i) * HOUR_MS);
}

/** Per-hour rows as a storage's GROUP BY gives them, keyed by the hour's first 13 ISO characters ("2026-12-06T04"). */
export interface HourRows {
  settled: ReadonlyArray<{ hour: string; n: number | string; sats: number | string }>;
  voltz520: ReadonlyArray<{ hour: string; n: number | string }>;
}

/** Every hour of `starts`, with zeros where the storage had no row (PostgreSQL's counts arrive as strings). */
export function toHourly(starts: readonly number[], rows: HourRows): HourOfLedger[] {
  const settled = new Map(rows.settled.map((row) => [row.hour, row]));
  const voltz520 = new Map(rows.voltz520.map((row) => [row.hour, row.n]));
  return starts.map((start) => {
    const at = new Date(start).toISOString();
    const hour = at.slice(0, 13);
    return {
      at,
      settled: Number(settled.get(hour)?.n ?? 0),
      sats: Number(settled.get(hour)?.sats ?? 0),
      voltz520: Number(voltz520.get(hour) ?? 0),
    };
  });
}

/** The window of `starts` as ISO bounds [from, to). */
export function hourWindow(starts: readonly number[]): { from: string; to: string } {
  return { from: new Date(starts[0]).toISOString(), to: new Date(starts[starts.length - 1] + HOUR_MS).toISOString() };
}
