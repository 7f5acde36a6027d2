import { Inject, Injectable } from '@nestjs/common';
import { destinationValue, isInvalidDestination, parseDestination } from '../../domain/destination/destination';
import { validateInvoice } from '../../domain/destination/validate-invoice';
import { PayoutCommand, ValidDestination } from '../../domain/payout/payout-commands';
import { isAcceptedDestination } from '../../domain/payout/payout-decider';
import { ApplicationError } from '../application-error';
import { CommandContext } from '../command-context';
import { PAYOUT_SETTINGS, PayoutSettings } from '../payout-settings';
import { CLOCK, Clock } from '../ports/clock.port';
import { HandledCommand, PAYOUT_COMMAND_DEPS, PayoutCommandDeps, handlePayoutCommand, handledOrThrow } from './handle-payout-command';
import { PayoutRepository } from './payout-repository';
import { PayoutView, toPayoutView } from '../../domain/payout/payout-view';

type ConfirmPixRequest = Extract<PayoutCommand<string>, { type: 'ConfirmPix' }>['data'];

export interface DecidedPayout {
  /** True when this command started the payout (a new order: 201 rather than 200). */
  created: boolean;
  /** False when the command changed nothing (a replay): a PUT of the destination already accepted answers 200, not 202. */
  recorded: boolean;
  payout: PayoutView;
}

/**
 * The bot's and the admins' requests about one payout, in the decider's own words (PayoutCommand): destinations
 * travel as the customer gave them and are checked here, against the order they are for. A refusal becomes the
 * ApplicationError the HTTP layer answers with its 4xx.
 */
@Injectable()
export class PayoutRequests {
  constructor(
    @Inject(PAYOUT_COMMAND_DEPS) private readonly deps: PayoutCommandDeps,
    private readonly repository: PayoutRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
  ) {}

  async decide(orderId: string, command: PayoutCommand<string>, context: CommandContext): Promise<DecidedPayout> {
    const { before, events, payout } = await this.handle(orderId, command, context);
    return { created: before.status === 'NONE', recorded: events.length > 0, payout: toPayoutView(payout) };
  }

  /** The HTTP edge: a refusal becomes the 4xx it names. */
  private async handle(orderId: string, command: PayoutCommand<string>, context: CommandContext): Promise<HandledCommand> {
    switch (command.type) {
      case 'ConfirmPix':
        return this.confirmPix(orderId, command.data, context);
      case 'SubmitDestination':
        return this.submitDestination(orderId, command.data.destination, context);
      default:
        return handledOrThrow(await handlePayoutCommand(this.deps, orderId, command, context));
    }
  }

  private async confirmPix(orderId: string, data: ConfirmPixRequest, context: CommandContext): Promise<HandledCommand> {
    if (data.amountSats > this.settings.maxPayoutSats) {
      throw new ApplicationError(
        'invalid',
        `amountSats must not be greater than MAX_PAYOUT_SATS (${this.settings.maxPayoutSats})`,
        'amount_too_large',
      );
    }
    const destination = data.destination === null ? null : this.validDestination(data.destination, data.amountSats);
    const result = await handlePayoutCommand(this.deps, orderId, { type: 'ConfirmPix', data: { ...data, destination } }, context, {
      // The end-to-end id is reserved only when the order is being created, with its invoice, before it is.
      reserve: (loaded) => (loaded.state.status === 'NONE' ? [{ kind: 'endToEndId', endToEndId: data.endToEndId }] : []),
    });
    return handledOrThrow(result);
  }

  private async submitDestination(orderId: string, raw: string, context: CommandContext): Promise<HandledCommand> {
    // The invoice is checked against this order's amount, so the order must be read first.
    const loaded = await this.repository.load(orderId);
    const { state } = loaded;
    if (state.status === 'NONE') throw new ApplicationError('not_found', `Payout ${orderId} not found`, 'order_not_found');
    // Checked before the invoice is validated again: the one accepted may since have come close to its expiry.
    const parsed = parseDestination(raw);
    if (!isInvalidDestination(parsed) && isAcceptedDestination(state, destinationValue(parsed))) {
      return { before: state, events: [], loaded, payout: state };
    }
    const destination = this.validDestination(raw, state.amountSats);
    return handledOrThrow(
      await handlePayoutCommand(this.deps, orderId, { type: 'SubmitDestination', data: { destination } }, context, { from: loaded }),
    );
  }

  /**
   * What the bot sent, as a destination the decider accepts: 400 when it is no destination at all, 422 when it is a
   * BOLT11 this payout can never pay. A Lightning Address is only checked for form here; resolving it is async.
   */
  private validDestination(raw: string, amountSats: number): ValidDestination {
    const parsed = parseDestination(raw);
    if (isInvalidDestination(parsed)) throw new ApplicationError('invalid', `destination: ${parsed.message}`, 'invalid_destination');
    if (parsed.kind === 'lightning_address') return { kind: 'lightning_address', value: parsed.address };
    const result = validateInvoice(parsed.decoded, {
      amountSats,
      network: this.settings.network,
      now: this.clock.now(),
      minRemainingSeconds: this.settings.minInvoiceValiditySeconds,
    });
    if (!result.ok) {
      const kind = result.code === 'undecodable' ? 'invalid' : 'unprocessable';
      // The bot's operators tune this requirement, so the refusal names the variable.
      const requirement =
        result.code === 'expired'
          ? `; an invoice must have at least MIN_INVOICE_VALIDITY_S (${this.settings.minInvoiceValiditySeconds} s) left`
          : '';
      throw new ApplicationError(kind, `destination: ${result.message}${requirement}`, `invoice_${result.code}`);
    }
    return { kind: 'bolt11', value: result.invoice.bolt11, invoice: result.invoice };
  }
}
