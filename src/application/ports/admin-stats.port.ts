import { PayoutStatus } from '../../domain/payout/payout-status';

export interface SettledTotals {
  count: number;
  sats: number;
  feeMsat: number;
}

/** GET /v1/admin/stats (docs/api.md), read from the projections only. */
export interface AdminStats {
  byStatus: Partial<Record<PayoutStatus, number>>;
  settled: { last24h: SettledTotals; total: SettledTotals };
  fallbackQueue: { depth: number; oldestQueuedAt: string | null };
  voltz520Last24h: { lnbits: number; cloudflare: number };
  projectionLagMs: number;
}

export interface AdminStatsReadModel {
  stats(now: Date): Promise<AdminStats>;
}

export const ADMIN_STATS = Symbol('ADMIN_STATS');
