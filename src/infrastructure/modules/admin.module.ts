import { Module } from '@nestjs/common';
import { CancelPayoutHandler } from '../../application/admin/commands/cancel-payout.handler';
import { RetryPayoutHandler } from '../../application/admin/commands/retry-payout.handler';
import { RunSweepHandler } from '../../application/admin/commands/run-sweep.handler';
import { GetFallbackQueueHandler } from '../../application/admin/queries/get-fallback-queue.handler';
import { GetVoltzStatusHandler } from '../../application/admin/queries/get-voltz-status.handler';
import { ListPayoutsHandler } from '../../application/admin/queries/list-payouts.handler';
import { AdminController } from '../http/admin.controller';
import { LightningModule } from '../lightning/lightning.module';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';

/** What admins see and do: the fallback view, the payouts list, the Voltz monitor, retry, cancel, sweep now. */
@Module({
  imports: [PayoutsModule, PayoutProcessModule, LightningModule],
  controllers: [AdminController],
  providers: [CancelPayoutHandler, RetryPayoutHandler, RunSweepHandler, GetFallbackQueueHandler, GetVoltzStatusHandler, ListPayoutsHandler],
})
export class AdminModule {}
