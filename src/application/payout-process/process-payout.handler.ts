import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PayoutProcessor, ProcessOutcome } from './payout-processor';
import { ProcessPayoutCommand } from './process-payout.command';

@CommandHandler(ProcessPayoutCommand)
export class ProcessPayoutHandler implements ICommandHandler<ProcessPayoutCommand> {
  constructor(private readonly processor: PayoutProcessor) {}

  execute(command: ProcessPayoutCommand): Promise<ProcessOutcome> {
    return this.processor.process(command.orderId, command.trigger, command.correlationId, command.from);
  }
}
