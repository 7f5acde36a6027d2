import { Command } from '@nestjs/cqrs';
import { SweepSummary } from '../../ports/payout-metrics.port';

/** POST /v1/admin/fallback/sweep: one sweep now, answered with its summary. */
export class RunSweepCommand extends Command<SweepSummary> {}
