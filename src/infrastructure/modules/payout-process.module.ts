import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DoublePaymentAlertHandler } from '../../application/payout-process/double-payment-alert.handler';
import { FallbackSweeper } from '../../application/payout-process/fallback-sweeper';
import { PayoutEffects } from '../../application/payout-process/payout-effects';
import { PayoutProcessor } from '../../application/payout-process/payout-processor';
import { PayoutFastPath } from '../../application/payout-process/payout-fast-path.handler';
import { FallbackSweepScheduler } from '../scheduling/fallback-sweep.scheduler';
import { LightningModule } from '../lightning/lightning.module';
import { PayoutsModule } from './payouts.module';

/** Claim, pay, classify, retry: the in-process fast path and the scheduled sweep over the fallback view. */
@Module({
  imports: [ScheduleModule.forRoot(), PayoutsModule, LightningModule],
  providers: [PayoutProcessor, PayoutEffects, DoublePaymentAlertHandler, PayoutFastPath, FallbackSweeper, FallbackSweepScheduler],
  exports: [PayoutProcessor, FallbackSweeper],
})
export class PayoutProcessModule {}
