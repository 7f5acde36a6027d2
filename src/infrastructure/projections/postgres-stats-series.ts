import type { Pool } from 'pg';
import { HourOfLedger, StatsSeriesReadModel } from '../../application/ports/stats-series.port';
import { toStoreError } from '../postgres/postgres-errors';
import { SETTLED_PER_HOUR, VOLTZ_520_PER_HOUR, hourStarts, hourWindow, toHourly } from './stats-series-queries';

/** The series from the shared stats tables. */
export class PostgresStatsSeries implements StatsSeriesReadModel {
  constructor(private readonly pool: Pool) {}

  async hourly(now: Date, hours: number): Promise<HourOfLedger[]> {
    const starts = hourStarts(now, hours);
    const { from, to } = hourWindow(starts);
    try {
      const [settled, voltz520] = await Promise.all([
        this.pool.query<{ hour: string; n: string; sats: string }>(SETTLED_PER_HOUR, [from, to]),
        this.pool.query<{ hour: string; n: string }>(VOLTZ_520_PER_HOUR, [from, to]),
      ]);
      return toHourly(starts, { settled: settled.rows, voltz520: voltz520.rows });
    } catch (error) {
      throw toStoreError(error);
    }
  }
}
