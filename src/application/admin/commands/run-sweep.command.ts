import { Command } from '@nestjs/cqrs';
import { SweepSummary } from '../../payout-process/sweep-summary';

/** POST /v1/admin/fallback/sweep: one sweep now, answered with its summary. */
export class RunSweepCommand extends Command<SweepSummary> {}
