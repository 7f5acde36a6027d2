import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../payout-settings';
import { DestinationValidator } from '../destination-validator';
import { PayoutCommandExecutor } from '../payout-command-executor';
import { toPayoutView } from '../payout-view';
import { ConfirmPixCommand, ConfirmPixResult } from './confirm-pix.command';

@CommandHandler(ConfirmPixCommand)
export class ConfirmPixHandler implements ICommandHandler<ConfirmPixCommand> {
  constructor(
    private readonly executor: PayoutCommandExecutor,
    private readonly destinations: DestinationValidator,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
  ) {}

  async execute(command: ConfirmPixCommand): Promise<ConfirmPixResult> {
    if (command.amountSats > this.settings.maxPayoutSats) {
      throw new ApplicationError(
        'invalid',
        `amountSats must not be greater than MAX_PAYOUT_SATS (${this.settings.maxPayoutSats})`,
        'amount_too_large',
      );
    }
    const destination = command.destination === null ? null : this.destinations.validate(command.destination, command.amountSats);
    const result = await this.executor.execute(
      command.orderId,
      { type: 'ConfirmPix', data: { orderId: command.orderId, ...command.pix, amountSats: command.amountSats, destination } },
      command.context,
      // The end-to-end id is reserved only when the order is being created, with its invoice, before it is.
      { reserve: (loaded) => (loaded.state.status === 'NONE' ? [{ kind: 'endToEndId', endToEndId: command.pix.endToEndId }] : []) },
    );
    return { created: result.before.status === 'NONE', payout: toPayoutView(result.payout) };
  }
}
