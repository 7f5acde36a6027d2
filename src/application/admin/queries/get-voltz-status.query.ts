import { Query } from '@nestjs/cqrs';
import { WalletMonitorStatus } from '../../wallet-monitor/wallet-monitor';
import { WalletFunding } from '../../wallet-monitor/wallet-funding.service';

export type VoltzStatusView = WalletMonitorStatus & { wallet: WalletFunding };

export class GetVoltzStatusQuery extends Query<VoltzStatusView> {}
