import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PayoutCommandExecutor } from '../../payouts/payout-command-executor';
import { PayoutView, toPayoutView } from '../../payouts/payout-view';
import { CancelPayoutCommand } from './cancel-payout.command';

@CommandHandler(CancelPayoutCommand)
export class CancelPayoutHandler implements ICommandHandler<CancelPayoutCommand> {
  constructor(private readonly executor: PayoutCommandExecutor) {}

  async execute(command: CancelPayoutCommand): Promise<PayoutView> {
    const { payout } = await this.executor.execute(
      command.orderId,
      { type: 'CancelPayout', data: { reason: command.reason } },
      command.context,
    );
    return toPayoutView(payout);
  }
}
