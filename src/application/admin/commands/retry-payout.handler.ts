import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { PayoutProcessor } from '../../payout-process/payout-processor';
import { PayoutCommandExecutor } from '../../payouts/payout-command-executor';
import { PayoutRepository } from '../../payouts/payout-repository';
import { PayoutView, toPayoutView } from '../../payouts/payout-view';
import { RetryPayoutCommand } from './retry-payout.command';

@CommandHandler(RetryPayoutCommand)
export class RetryPayoutHandler implements ICommandHandler<RetryPayoutCommand> {
  private readonly logger = new Logger(RetryPayoutHandler.name);

  constructor(
    private readonly repository: PayoutRepository,
    private readonly executor: PayoutCommandExecutor,
    private readonly processor: PayoutProcessor,
  ) {}

  async execute(command: RetryPayoutCommand): Promise<PayoutView> {
    const loaded = await this.repository.load(command.orderId);
    if (!loaded.state) throw new ApplicationError('not_found', `Payout ${command.orderId} not found`, 'order_not_found');
    const cleared = await this.executor.execute(command.orderId, { type: 'ClearEscalation', data: {} }, command.context, { from: loaded });
    // Accepted, not awaited: the revisit may take as long as Voltz does.
    this.processor.process(command.orderId, 'admin', command.context.correlationId).catch((error: Error) =>
      this.logger.error(`Admin retry of ${command.orderId} failed: ${error.message}`),
    );
    return toPayoutView(cleared.state!);
  }
}
