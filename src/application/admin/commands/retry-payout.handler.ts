import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { describeError } from '../../describe-error';
import { PayoutProcessor } from '../../payout-process/payout-processor';
import { PAYOUT_COMMAND_DEPS, PayoutCommandDeps, handlePayoutCommand, handledOrThrow } from '../../payouts/handle-payout-command';
import { PayoutView, toPayoutView } from '../../../domain/payout/payout-view';
import { RetryPayoutCommand } from './retry-payout.command';

@CommandHandler(RetryPayoutCommand)
export class RetryPayoutHandler implements ICommandHandler<RetryPayoutCommand> {
  private readonly logger = new Logger(RetryPayoutHandler.name);

  constructor(
    @Inject(PAYOUT_COMMAND_DEPS) private readonly deps: PayoutCommandDeps,
    private readonly processor: PayoutProcessor,
  ) {}

  async execute({ orderId, context }: RetryPayoutCommand): Promise<PayoutView> {
    // An unknown order is a 404 from the decider (order_not_found).
    const { loaded, payout } = handledOrThrow(
      await handlePayoutCommand(this.deps, orderId, { type: 'ClearEscalation', data: {} }, context),
    );
    // Accepted, not awaited: the revisit may take as long as Voltz does.
    this.processor
      .process(orderId, 'admin', context.correlationId, loaded)
      .catch((error) => this.logger.error(`Admin retry of ${orderId} failed: ${describeError(error)}`));
    return toPayoutView(payout);
  }
}
