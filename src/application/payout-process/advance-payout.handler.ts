import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PayoutProcessor, ProcessOutcome } from './payout-processor';
import { AdvancePayoutCommand } from './advance-payout.command';

@CommandHandler(AdvancePayoutCommand)
export class AdvancePayoutHandler implements ICommandHandler<AdvancePayoutCommand> {
  constructor(private readonly processor: PayoutProcessor) {}

  execute(command: AdvancePayoutCommand): Promise<ProcessOutcome> {
    return this.processor.process(command.orderId, command.trigger, command.correlationId, command.from);
  }
}
