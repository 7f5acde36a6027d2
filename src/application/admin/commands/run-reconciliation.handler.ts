import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';
import { CLOCK, Clock } from '../../ports/clock.port';
import { NO_METRICS, PAYOUT_METRICS, PayoutMetrics } from '../../ports/payout-metrics.port';
import { WalletReconciler } from '../../reconciliation/wallet-reconciler';
import { RunReconciliationCommand } from './run-reconciliation.command';

/** The one way the service reconciles (an admin's request, or the schedule): recorded, and measured. */
@CommandHandler(RunReconciliationCommand)
export class RunReconciliationHandler implements ICommandHandler<RunReconciliationCommand> {
  constructor(
    private readonly reconciler: WalletReconciler,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PAYOUT_METRICS) private readonly metrics: PayoutMetrics = NO_METRICS,
  ) {}

  async execute(command: RunReconciliationCommand): Promise<ReconciliationReport> {
    const started = this.clock.now().getTime();
    const report = await this.reconciler.reconcile({ record: true, actor: command.actor });
    this.metrics.reconciliationFinished(Math.max(0, this.clock.now().getTime() - started) / 1000, report);
    return report;
  }
}
