import { Module } from '@nestjs/common';
import { AcknowledgeDoublePaymentHandler } from '../../application/admin/commands/acknowledge-double-payment.handler';
import { CancelPayoutHandler } from '../../application/admin/commands/cancel-payout.handler';
import { RetryPayoutHandler } from '../../application/admin/commands/retry-payout.handler';
import { RunReconciliationHandler } from '../../application/admin/commands/run-reconciliation.handler';
import { RunSweepHandler } from '../../application/admin/commands/run-sweep.handler';
import { GetFallbackQueueHandler } from '../../application/admin/queries/get-fallback-queue.handler';
import { GetReconciliationHandler } from '../../application/admin/queries/get-reconciliation.handler';
import { GetStatsHandler } from '../../application/admin/queries/get-stats.handler';
import { GetVoltzStatusHandler } from '../../application/admin/queries/get-voltz-status.handler';
import { ListPayoutsHandler } from '../../application/admin/queries/list-payouts.handler';
import { AdminController } from '../http/admin.controller';
import { LightningModule } from '../lightning/lightning.module';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';
import { ReconciliationModule } from './reconciliation.module';

/** What admins see and do: the fallback view, the payouts list, the Voltz monitor, retry, cancel, acknowledge a double payment, sweep now, stats, reconciliation. */
@Module({
  imports: [PayoutsModule, PayoutProcessModule, LightningModule, ReconciliationModule],
  controllers: [AdminController],
  providers: [
    AcknowledgeDoublePaymentHandler,
    CancelPayoutHandler,
    RetryPayoutHandler,
    RunReconciliationHandler,
    RunSweepHandler,
    GetReconciliationHandler,
    GetStatsHandler,
    GetFallbackQueueHandler,
    GetVoltzStatusHandler,
    ListPayoutsHandler,
  ],
})
export class AdminModule {}
