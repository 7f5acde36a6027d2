import { Command } from '@nestjs/cqrs';
import { Actor } from '../../ports/event-store.port';
import { ReconciliationReport } from '../../../domain/reconciliation/reconciliation-events';

/** One recorded reconciliation now (POST /v1/admin/reconciliation, or RECONCILE_CRON), answered with its report. */
export class RunReconciliationCommand extends Command<ReconciliationReport> {
  constructor(readonly actor: Extract<Actor, 'admin' | 'system'>) {
    super();
  }
}
