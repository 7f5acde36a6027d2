import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FallbackSweeper } from '../../payout-process/fallback-sweeper';
import { SweepSummary } from '../../ports/payout-metrics.port';
import { RunSweepCommand } from './run-sweep.command';

@CommandHandler(RunSweepCommand)
export class RunSweepHandler implements ICommandHandler<RunSweepCommand> {
  constructor(private readonly sweeper: FallbackSweeper) {}

  execute(): Promise<SweepSummary> {
    return this.sweeper.sweep();
  }
}
