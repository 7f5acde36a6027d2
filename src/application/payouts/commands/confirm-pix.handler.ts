import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { END_TO_END_ID_SCHEMA_VERSION, endToEndIdStreamName } from '../../../domain/pix/end-to-end-id-reservation';
import { ApplicationError } from '../../application-error';
import { CommandContext } from '../../command-context';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../payout-settings';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../../ports/clock.port';
import { ConcurrencyError, EVENT_STORE, EventStore, NO_STREAM } from '../../ports/event-store.port';
import { DestinationValidator } from '../destination-validator';
import { PayoutCommandExecutor } from '../payout-command-executor';
import { toPayoutView } from '../payout-view';
import { ConfirmPixCommand, ConfirmPixResult } from './confirm-pix.command';

@CommandHandler(ConfirmPixCommand)
export class ConfirmPixHandler implements ICommandHandler<ConfirmPixCommand> {
  constructor(
    private readonly executor: PayoutCommandExecutor,
    private readonly destinations: DestinationValidator,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
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
      // The end-to-end id is reserved only when the order is being created, and before it is.
      async (loaded) => {
        if (loaded.state === null) await this.reserveEndToEndId(command.pix.endToEndId, command.orderId, command.context);
      },
    );
    return { created: result.before === null, payout: toPayoutView(result.state!) };
  }

  private async reserveEndToEndId(endToEndId: string, orderId: string, context: CommandContext): Promise<void> {
    const stream = endToEndIdStreamName(endToEndId);
    try {
      await this.store.append(
        stream,
        [{
          id: this.ids.next(),
          type: 'EndToEndIdReserved',
          data: { endToEndId, orderId, reservedAt: this.clock.now().toISOString() },
          metadata: { ...context, schemaVersion: END_TO_END_ID_SCHEMA_VERSION },
        }],
        NO_STREAM,
      );
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // Already reserved: fine if by this very order (a retry after a crash), a conflict otherwise.
      for await (const event of this.store.readStream(stream, { limit: 1 })) {
        if (event.data.orderId !== orderId) {
          throw new ApplicationError('conflict', `pix.endToEndId ${endToEndId} was already used by another order`, 'end_to_end_id_used');
        }
      }
    }
  }
}
