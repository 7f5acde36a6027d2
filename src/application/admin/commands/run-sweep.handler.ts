import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FallbackSweeper } from '../../payout-process/fallback-sweeper';
import { SweepSummary } from '../../payout-process/sweep-summary';
import { RunSweepCommand } from './run-sweep.command';

@CommandHandler(RunSweepCommand)
export class RunSweepHandler implements ICommandHandler<RunSweepCommand> {
  constructor(private readonly sweeper: FallbackSweeper) {}

  execute(): Promise<SweepSummary> {
    return this.sweeper.sweep();
  }
}
