import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { DestinationValidator } from '../destination-validator';
import { PayoutCommandExecutor } from '../payout-command-executor';
import { PayoutRepository } from '../payout-repository';
import { PayoutView, toPayoutView } from '../payout-view';
import { SubmitDestinationCommand } from './submit-destination.command';

@CommandHandler(SubmitDestinationCommand)
export class SubmitDestinationHandler implements ICommandHandler<SubmitDestinationCommand> {
  constructor(
    private readonly executor: PayoutCommandExecutor,
    private readonly repository: PayoutRepository,
    private readonly destinations: DestinationValidator,
  ) {}

  async execute(command: SubmitDestinationCommand): Promise<PayoutView> {
    // The invoice is checked against this order's amount, so the order must be read first.
    const loaded = await this.repository.load(command.orderId);
    if (loaded.state.status === 'NONE') throw new ApplicationError('not_found', `Payout ${command.orderId} not found`, 'order_not_found');
    const destination = this.destinations.validate(command.destination, loaded.state.amountSats);
    const result = await this.executor.execute(command.orderId, { type: 'SubmitDestination', data: { destination } }, command.context, {
      from: loaded,
    });
    return toPayoutView(result.payout);
  }
}
