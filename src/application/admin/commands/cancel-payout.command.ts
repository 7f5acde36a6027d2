import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../../payouts/payout-view';

/** Admin cancel: refused while settled or while a payment outcome is still unknown. */
export class CancelPayoutCommand extends Command<PayoutView> {
  constructor(
    readonly orderId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
