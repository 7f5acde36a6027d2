import { Command } from '@nestjs/cqrs';
import { SweepSummary } from '../../payout-process/fallback-sweeper';

/** POST /v1/admin/fallback/sweep: one sweep now, answered with its summary. */
export class RunSweepCommand extends Command<SweepSummary> {}
