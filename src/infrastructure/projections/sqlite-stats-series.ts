import { Inject, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { HourOfLedger, StatsSeriesReadModel } from '../../application/ports/stats-series.port';
import { READ_MODEL_DB } from './read-model-database';
import { SETTLED_PER_HOUR, VOLTZ_520_PER_HOUR, hourStarts, hourWindow, toHourly } from './stats-series-queries';

/** The series from the admin stats projection's own tables (settlements.settled_at, voltz_520.received_at). */
@Injectable()
export class SqliteStatsSeries implements StatsSeriesReadModel {
  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async hourly(now: Date, hours: number): Promise<HourOfLedger[]> {
    const starts = hourStarts(now, hours);
    const { from, to } = hourWindow(starts);
    const numbered = (sql: string) => sql.replace(/\$[12]/g, '?');
    return toHourly(starts, {
      settled: this.db.prepare<[string, string], { hour: string; n: number; sats: number }>(numbered(SETTLED_PER_HOUR)).all(from, to),
      voltz520: this.db.prepare<[string, string], { hour: string; n: number }>(numbered(VOLTZ_520_PER_HOUR)).all(from, to),
    });
  }
}
