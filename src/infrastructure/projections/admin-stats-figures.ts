import { AdminStats, SettledTotals } from '../../application/ports/admin-stats.port';
import { PayoutStatus } from '../../domain/payout/payout-status';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What GET /v1/admin/stats reads from the tables, the same in both storages. */
export interface StatsFigures {
  byStatus: { status: string; n: number }[];
  settledLast24h: SettledTotals;
  settledTotal: SettledTotals;
  queue: { depth: number; oldest: string | null };
  voltz520Last24h: { source: string; n: number }[];
}

/** The start of the stats' "last 24 h", as the tables store times. */
export function statsSince(now: Date): string {
  return new Date(now.getTime() - DAY_MS).toISOString();
}

/** The queries, `?` for the one parameter (the start of the last 24 h) where one is taken. */
export const STATS_SQL = {
  byStatus: 'SELECT status, count(*) AS n FROM payouts GROUP BY status',
  settled: (where: string) =>
    `SELECT count(*) AS count, coalesce(sum(amount_sats), 0) AS sats, coalesce(sum(fee_msat), 0) AS "feeMsat" FROM settlements WHERE ${where}`,
  settledSince: 'settled_at >= ?',
  settledEver: 'settled_at IS NOT NULL',
  queue: 'SELECT count(*) AS depth, min(queued_at) AS oldest FROM fallback_queue',
  voltz520Since: 'SELECT source, count(*) AS n FROM voltz_520 WHERE received_at >= ? GROUP BY source',
};

export function toAdminStats(figures: StatsFigures, projectionLagMs: number): AdminStats {
  const byStatus: Partial<Record<PayoutStatus, number>> = {};
  for (const row of figures.byStatus) byStatus[row.status as PayoutStatus] = Number(row.n);
  const voltz520Last24h = { lnbits: 0, cloudflare: 0 };
  for (const row of figures.voltz520Last24h) voltz520Last24h[row.source as 'lnbits' | 'cloudflare'] = Number(row.n);
  return {
    byStatus,
    settled: { last24h: totals(figures.settledLast24h), total: totals(figures.settledTotal) },
    fallbackQueue: { depth: Number(figures.queue.depth), oldestQueuedAt: figures.queue.oldest },
    voltz520Last24h,
    projectionLagMs,
  };
}

/** PostgreSQL answers counts and sums of bigints as strings. */
function totals(row: SettledTotals): SettledTotals {
  return { count: Number(row.count), sats: Number(row.sats), feeMsat: Number(row.feeMsat) };
}
