import { Command } from '@nestjs/cqrs';
import { PayoutCommand } from '../../../domain/payout/payout-commands';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../payout-view';

export interface DecidedPayout {
  /** True when this command started the payout (a new order: 201 rather than 200). */
  created: boolean;
  /** False when the command changed nothing (a replay): a PUT of the destination already accepted answers 200, not 202. */
  recorded: boolean;
  payout: PayoutView;
}

/**
 * One decision about one payout, named by the domain (PayoutCommand), on the
 * bus: the bot's and the admins' requests reach the decider in the decider's
 * own words, so no second command vocabulary has to be kept in step with it.
 * Destinations travel as the customer gave them and are checked on the way.
 */
export class DecidePayoutCommand extends Command<DecidedPayout> {
  constructor(
    readonly orderId: string,
    readonly command: PayoutCommand<string>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
