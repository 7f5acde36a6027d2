import { Module } from '@nestjs/common';
import { WalletReconciler } from '../../application/reconciliation/wallet-reconciler';
import { LightningModule } from '../lightning/lightning.module';
import { ReconciliationScheduler } from '../scheduling/reconciliation.scheduler';
import { PayoutProcessModule } from './payout-process.module';
import { PayoutsModule } from './payouts.module';

/** Design rule 9 inside the service: on RECONCILE_CRON, and on an admin's request. */
@Module({
  imports: [PayoutsModule, LightningModule, PayoutProcessModule],
  providers: [WalletReconciler, ReconciliationScheduler],
  exports: [WalletReconciler],
})
export class ReconciliationModule {}
