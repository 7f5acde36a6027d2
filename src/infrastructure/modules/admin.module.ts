import { Module } from '@nestjs/common';
import { RetryPayoutHandler } from '../../application/admin/commands/retry-payout.handler';
import { RunReconciliationHandler } from '../../application/admin/commands/run-reconciliation.handler';
import { RecordLedgerDigestHandler } from '../../application/admin/commands/record-ledger-digest.handler';
import { RunSweepHandler } from '../../application/admin/commands/run-sweep.handler';
import { GetFallbackQueueHandler } from '../../application/admin/queries/get-fallback-queue.handler';
import { GetReconciliationHandler } from '../../application/admin/queries/get-reconciliation.handler';
import { GetStatsHandler } from '../../application/admin/queries/get-stats.handler';
import { GetStatsSeriesHandler } from '../../application/admin/queries/get-stats-series.handler';
import { GetWalletStatusHandler } from '../../application/admin/queries/get-wallet-status.handler';
import { ListPayoutsHandler } from '../../application/admin/queries/list-payouts.handler';
import { WalletFundingService } from '../../application/wallet-monitor/wallet-funding.service';
import { AdminController } from '../http/admin.controller';
import { LightningModule } from '../lightning/lightning.module';
import { LedgerIntegrityModule } from './ledger-integrity.module';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';
import { ReconciliationModule } from './reconciliation.module';

/**
 * What admins see and do: the fallback view, the payouts list, the Voltz monitor and the wallet's funding, stats,
 * reconciliation, a ledger digest now, retry, cancel, acknowledge a double payment, sweep now.
 */
@Module({
  imports: [PayoutsModule, PayoutProcessModule, LightningModule, ReconciliationModule, LedgerIntegrityModule],
  controllers: [AdminController],
  providers: [
    RetryPayoutHandler,
    RunReconciliationHandler,
    RunSweepHandler,
    GetReconciliationHandler,
    GetStatsHandler,
    GetStatsSeriesHandler,
    RecordLedgerDigestHandler,
    GetFallbackQueueHandler,
    GetWalletStatusHandler,
    ListPayoutsHandler,
    WalletFundingService,
  ],
  exports: [WalletFundingService],
})
export class AdminModule {}
