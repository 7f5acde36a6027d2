import { Query } from '@nestjs/cqrs';
import { VoltzStatus } from '../../wallet-monitor/voltz-monitor';
import { WalletFunding } from '../../wallet-monitor/wallet-funding.service';

export type VoltzStatusView = VoltzStatus & { wallet: WalletFunding };

export class GetVoltzStatusQuery extends Query<VoltzStatusView> {}
