import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../payout-view';

/** PUT /v1/payouts/{orderId}/destination: a (new) Lightning Address or BOLT11 from the customer. */
export class SubmitDestinationCommand extends Command<PayoutView> {
  constructor(
    readonly orderId: string,
    readonly destination: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
