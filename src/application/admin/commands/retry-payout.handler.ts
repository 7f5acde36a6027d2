import { Logger } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AdvancePayoutCommand } from '../../payout-process/advance-payout.command';
import { PayoutCommandExecutor } from '../../payouts/payout-command-executor';
import { PayoutView, toPayoutView } from '../../payouts/payout-view';
import { RetryPayoutCommand } from './retry-payout.command';

@CommandHandler(RetryPayoutCommand)
export class RetryPayoutHandler implements ICommandHandler<RetryPayoutCommand> {
  private readonly logger = new Logger(RetryPayoutHandler.name);

  constructor(
    private readonly executor: PayoutCommandExecutor,
    private readonly commands: CommandBus,
  ) {}

  async execute(command: RetryPayoutCommand): Promise<PayoutView> {
    // An unknown order is a 404 from the decider (order_not_found).
    const { loaded, payout } = await this.executor.execute(command.orderId, { type: 'ClearEscalation', data: {} }, command.context);
    // Accepted, not awaited: the revisit may take as long as Voltz does.
    this.commands
      .execute(new AdvancePayoutCommand(command.orderId, 'admin', command.context.correlationId, loaded))
      .catch((error: Error) => this.logger.error(`Admin retry of ${command.orderId} failed: ${error.message}`));
    return toPayoutView(payout);
  }
}
