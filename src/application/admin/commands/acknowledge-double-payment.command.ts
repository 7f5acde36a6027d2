import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../../payouts/payout-view';

/** Admin acknowledgement of a double payment, with the reason (recovered, written off...): the only way to close one. */
export class AcknowledgeDoublePaymentCommand extends Command<PayoutView> {
  constructor(
    readonly orderId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
