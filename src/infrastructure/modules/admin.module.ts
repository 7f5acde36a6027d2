import { Module } from '@nestjs/common';
import { AcknowledgeDoublePaymentHandler } from '../../application/admin/commands/acknowledge-double-payment.handler';
import { CancelPayoutHandler } from '../../application/admin/commands/cancel-payout.handler';
import { RetryPayoutHandler } from '../../application/admin/commands/retry-payout.handler';
import { RecordLedgerDigestHandler } from '../../application/admin/commands/record-ledger-digest.handler';
import { RunSweepHandler } from '../../application/admin/commands/run-sweep.handler';
import { GetFallbackQueueHandler } from '../../application/admin/queries/get-fallback-queue.handler';
import { GetVoltzStatusHandler } from '../../application/admin/queries/get-voltz-status.handler';
import { ListPayoutsHandler } from '../../application/admin/queries/list-payouts.handler';
import { AdminController } from '../http/admin.controller';
import { LightningModule } from '../lightning/lightning.module';
import { LedgerIntegrityModule } from './ledger-integrity.module';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';

/** What admins see and do: the fallback view, the payouts list, the Voltz monitor, retry, cancel, acknowledge a double payment, sweep now, a ledger digest now. */
@Module({
  imports: [PayoutsModule, PayoutProcessModule, LightningModule, LedgerIntegrityModule],
  controllers: [AdminController],
  providers: [
    AcknowledgeDoublePaymentHandler,
    CancelPayoutHandler,
    RetryPayoutHandler,
    RunSweepHandler,
    RecordLedgerDigestHandler,
    GetFallbackQueueHandler,
    GetVoltzStatusHandler,
    ListPayoutsHandler,
  ],
})
export class AdminModule {}
