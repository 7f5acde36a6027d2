import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';
import { WalletReconciler } from '../../reconciliation/wallet-reconciler';
import { RunReconciliationCommand } from './run-reconciliation.command';

@CommandHandler(RunReconciliationCommand)
export class RunReconciliationHandler implements ICommandHandler<RunReconciliationCommand> {
  constructor(private readonly reconciler: WalletReconciler) {}

  execute(): Promise<ReconciliationReport> {
    return this.reconciler.reconcile({ record: true, actor: 'admin' });
  }
}
