import { Query } from '@nestjs/cqrs';
import { WalletMonitorStatus } from '../../wallet-monitor/wallet-monitor';
import { WalletFunding } from '../../wallet-monitor/wallet-funding.service';

/** GET /v1/admin/voltz/status: the wallet monitor's breaker and recent samples, with the wallet's funding. */
export type WalletStatusView = WalletMonitorStatus & { wallet: WalletFunding };

export class GetWalletStatusQuery extends Query<WalletStatusView> {}
