import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { HOUR_MS, HourOfLedger, StatsSeriesReadModel, hourStarts } from '../../application/ports/stats-series.port';
import { READ_MODEL_DB } from './read-model-database';

/** Hour buckets: the first 13 characters of an ISO-8601 UTC time ("2026-12-06T04"). */
const HOUR_OF = 'substr(%s, 1, 13)';

/** The series from the admin stats projection's own tables (settlements.settled_at, voltz_520.received_at). */
@Injectable()
export class SqliteStatsSeries implements StatsSeriesReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async hourly(now: Date, hours: number): Promise<HourOfLedger[]> {
    const starts = hourStarts(now, hours);
    const from = new Date(starts[0]).toISOString();
    const to = new Date(starts[starts.length - 1] + HOUR_MS).toISOString();
    const settled = new Map<string, { n: number; sats: number }>();
    for (const row of this.db
      .prepare<[string, string], { hour: string; n: number; sats: number }>(
        `SELECT ${HOUR_OF.replace('%s', 'settled_at')} AS hour, count(*) AS n, coalesce(sum(amount_sats), 0) AS sats ` +
          'FROM settlements WHERE settled_at >= ? AND settled_at < ? GROUP BY hour',
      )
      .all(from, to))
      settled.set(row.hour, row);
    const voltz520 = new Map<string, number>();
    for (const row of this.db
      .prepare<[string, string], { hour: string; n: number }>(
        `SELECT ${HOUR_OF.replace('%s', 'received_at')} AS hour, count(*) AS n FROM voltz_520 ` +
          'WHERE received_at >= ? AND received_at < ? GROUP BY hour',
      )
      .all(from, to))
      voltz520.set(row.hour, row.n);
    return starts.map((start) => {
      const at = new Date(start).toISOString();
      const hour = at.slice(0, 13);
      return { at, settled: settled.get(hour)?.n ?? 0, sats: settled.get(hour)?.sats ?? 0, voltz520: voltz520.get(hour) ?? 0 };
    });
  }
}
