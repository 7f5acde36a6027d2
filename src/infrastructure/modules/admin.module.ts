import { Module } from '@nestjs/common';
import { AcknowledgeDoublePaymentHandler } from '../../application/admin/commands/acknowledge-double-payment.handler';
import { CancelPayoutHandler } from '../../application/admin/commands/cancel-payout.handler';
import { RetryPayoutHandler } from '../../application/admin/commands/retry-payout.handler';
import { RunSweepHandler } from '../../application/admin/commands/run-sweep.handler';
import { GetFallbackQueueHandler } from '../../application/admin/queries/get-fallback-queue.handler';
import { GetVoltzStatusHandler } from '../../application/admin/queries/get-voltz-status.handler';
import { ListPayoutsHandler } from '../../application/admin/queries/list-payouts.handler';
import { WalletFundingService } from '../../application/wallet-monitor/wallet-funding.service';
import { AdminController } from '../http/admin.controller';
import { LightningModule } from '../lightning/lightning.module';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';

/** What admins see and do: the fallback view, the payouts list, the Voltz monitor and the wallet's funding, retry, cancel, acknowledge a double payment, sweep now. */
@Module({
  imports: [PayoutsModule, PayoutProcessModule, LightningModule],
  controllers: [AdminController],
  providers: [
    AcknowledgeDoublePaymentHandler,
    CancelPayoutHandler,
    RetryPayoutHandler,
    RunSweepHandler,
    GetFallbackQueueHandler,
    GetVoltzStatusHandler,
    ListPayoutsHandler,
    WalletFundingService,
  ],
  exports: [WalletFundingService],
})
export class AdminModule {}
