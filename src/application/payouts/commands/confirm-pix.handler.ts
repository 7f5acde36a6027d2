import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../payout-settings';
import { DestinationValidator } from '../destination-validator';
import { PayoutCommandExecutor } from '../payout-command-executor';
import { Reservations, invoiceReservations } from '../reservations';
import { toPayoutView } from '../payout-view';
import { ConfirmPixCommand, ConfirmPixResult } from './confirm-pix.command';

@CommandHandler(ConfirmPixCommand)
export class ConfirmPixHandler implements ICommandHandler<ConfirmPixCommand> {
  constructor(
    private readonly executor: PayoutCommandExecutor,
    private readonly destinations: DestinationValidator,
    private readonly reservations: Reservations,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
  ) {}

  async execute(command: ConfirmPixCommand): Promise<ConfirmPixResult> {
    if (command.amountSats > this.settings.maxPayoutSats) {
      throw new ApplicationError('invalid', `amountSats must not be greater than MAX_PAYOUT_SATS (${this.settings.maxPayoutSats})`, 'amount_too_large');
    }
    const destination = command.destination === null ? null : this.destinations.validate(command.destination, command.amountSats);
    const result = await this.executor.execute(
      command.orderId,
      { type: 'ConfirmPix', data: { orderId: command.orderId, ...command.pix, amountSats: command.amountSats, destination } },
      command.context,
      {
        // A new order's end-to-end id and invoice are reserved before it exists, together (one commit);
        // the executor then finds the invoice already this order's.
        beforeAppend: async (loaded, events) => {
          if (loaded.state !== null) return;
          await this.reservations.reserve(command.orderId, [{ kind: 'endToEndId', endToEndId: command.pix.endToEndId }, ...invoiceReservations(events)], command.context);
        },
      },
    );
    return { created: result.before === null, payout: toPayoutView(result.state!) };
  }
}
