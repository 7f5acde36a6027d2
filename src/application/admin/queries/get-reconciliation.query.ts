import { Query } from '@nestjs/cqrs';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';

/** GET /v1/admin/reconciliation: the latest recorded report. */
export class GetReconciliationQuery extends Query<ReconciliationReport> {}
