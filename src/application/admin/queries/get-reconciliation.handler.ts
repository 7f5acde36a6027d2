import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';
import { ApplicationError } from '../../application-error';
import { WalletReconciler } from '../../reconciliation/wallet-reconciler';
import { GetReconciliationQuery } from './get-reconciliation.query';

@QueryHandler(GetReconciliationQuery)
export class GetReconciliationHandler implements IQueryHandler<GetReconciliationQuery> {
  constructor(private readonly reconciler: WalletReconciler) {}

  async execute(): Promise<ReconciliationReport> {
    const report = await this.reconciler.latest();
    if (!report) throw new ApplicationError('not_found', 'No reconciliation has run yet', 'no_reconciliation');
    return report;
  }
}
