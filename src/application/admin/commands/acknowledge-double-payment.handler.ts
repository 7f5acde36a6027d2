import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PayoutCommandExecutor } from '../../payouts/payout-command-executor';
import { PayoutView, toPayoutView } from '../../payouts/payout-view';
import { AcknowledgeDoublePaymentCommand } from './acknowledge-double-payment.command';

@CommandHandler(AcknowledgeDoublePaymentCommand)
export class AcknowledgeDoublePaymentHandler implements ICommandHandler<AcknowledgeDoublePaymentCommand> {
  constructor(private readonly executor: PayoutCommandExecutor) {}

  async execute(command: AcknowledgeDoublePaymentCommand): Promise<PayoutView> {
    const { payout } = await this.executor.execute(
      command.orderId,
      { type: 'AcknowledgeDoublePayment', data: { reason: command.reason } },
      command.context,
    );
    return toPayoutView(payout);
  }
}
