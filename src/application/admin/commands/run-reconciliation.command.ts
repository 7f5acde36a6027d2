import { Command } from '@nestjs/cqrs';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';

/** POST /v1/admin/reconciliation: one recorded reconciliation now, answered with its report. */
export class RunReconciliationCommand extends Command<ReconciliationReport> {}
