import { Query } from '@nestjs/cqrs';
import { AdminStats } from '../../ports/admin-stats.port';
import { WalletFunding } from '../../wallet-monitor/wallet-funding.service';

/** The stats of docs/api.md, plus the wallet's balance beside what the open payouts need. */
export type AdminStatsView = AdminStats & { wallet: WalletFunding };

export class GetStatsQuery extends Query<AdminStatsView> {}
