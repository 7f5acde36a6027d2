import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../../../domain/payout/payout-view';

/**
 * Admin retry: revisit this order now; an escalated order gets a fresh allowance of attempts.
 * A use case, not a payout decision of its own: the decider's ClearEscalation, then the payout processor.
 */
export class RetryPayoutCommand extends Command<PayoutView> {
  constructor(
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
