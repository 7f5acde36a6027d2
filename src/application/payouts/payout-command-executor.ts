import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { withVisibleText } from '../../domain/text/visible-text';
import { PayoutCommand } from '../../domain/payout/payout-commands';
import { decide } from '../../domain/payout/payout-decider';
import { PayoutError, PayoutErrorCode } from '../../domain/payout/payout-errors';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { Payout, PayoutState } from '../../domain/payout/payout-state';
import { ApplicationError, ApplicationErrorKind } from '../application-error';
import { CommandContext } from '../command-context';
import { CLOCK, Clock } from '../ports/clock.port';
import { AppendOutcomeUnknownError, ConcurrencyError } from '../ports/event-store.port';
import { PayoutEventsAppended } from './payout-events-appended.event';
import { LoadedPayout, PayoutRepository } from './payout-repository';
import { MadeReservation, ReservedValue, Reservations, invoiceReservations } from './reservations';

export interface ExecutedCommand {
  before: PayoutState;
  events: PayoutEvent[];
  /** The payout as this command left it: a caller's next command can start from it instead of reading the stream again. */
  loaded: LoadedPayout;
  /** The same payout's state: an accepted command always leaves a payout (on no payout only ConfirmPix is accepted). */
  payout: Payout;
}

export interface ExecuteOptions {
  /**
   * The payout as the caller last saw it. The first decision is made on it;
   * if the stream has moved since, the append fails on the expected revision
   * and the command is decided again on a fresh read, so this only saves a read.
   */
  from?: LoadedPayout;
  /** Values to reserve for the order before its events are appended, besides the invoices they carry (a new order's end-to-end id). */
  reserve?: (loaded: LoadedPayout) => ReservedValue[];
}

const MAX_CONFLICT_RETRIES = 5;

const ERROR_KINDS: Record<PayoutErrorCode, ApplicationErrorKind> = {
  order_not_found: 'not_found',
  order_conflict: 'conflict',
  destination_locked: 'conflict',
  destination_conflict: 'conflict',
  payment_in_flight: 'conflict',
  already_settled: 'conflict',
  cancelled: 'conflict',
  escalated: 'conflict',
  payment_hash_dead: 'unprocessable',
  invoice_expired: 'unprocessable',
  invoice_mismatch: 'unprocessable',
  unknown_payment_hash: 'conflict',
  invalid_transition: 'conflict',
  nothing_to_retry: 'conflict',
  invalid_pix: 'invalid',
  double_payment: 'conflict',
  no_double_payment: 'conflict',
};

export function toApplicationError(error: PayoutError): ApplicationError {
  return new ApplicationError(ERROR_KINDS[error.code], error.message, error.code);
}

/**
 * Load -> decide -> append with the revision that was read. A concurrency
 * conflict means someone else appended first: re-read and decide again.
 */
@Injectable()
export class PayoutCommandExecutor {
  private readonly logger = new Logger(PayoutCommandExecutor.name);

  constructor(
    private readonly repository: PayoutRepository,
    private readonly reservations: Reservations,
    private readonly eventBus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(orderId: string, given: PayoutCommand, context: CommandContext, options: ExecuteOptions = {}): Promise<ExecutedCommand> {
    // Text from outside (a server's reason, a wallet's detail) is stored inert: no terminal escapes, no bidi overrides.
    const command = withVisibleText(given);
    const made: MadeReservation[] = [];
    let known = options.from;
    let latest: PayoutState | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        const loaded = known ?? (await this.repository.load(orderId));
        known = undefined;
        latest = loaded.state;
        const result = decide(command, loaded.state, this.clock.now());
        if (!result.ok) throw toApplicationError(result.error);
        if (result.events.length === 0) return await this.done(orderId, loaded.state, [], loaded, made, context);
        let appended: LoadedPayout;
        try {
          // One call: every value is checked, then the free ones are appended together (one commit).
          made.push(
            ...(await this.reservations.reserve(
              orderId,
              [...(options.reserve?.(loaded) ?? []), ...invoiceReservations(result.events)],
              context,
            )),
          );
          // A decision of the service itself is caused by the last event it read; a request has no cause in the log.
          const causationId = context.causationId ?? (context.actor === 'system' ? loaded.lastEventId : null);
          appended = await this.repository.append(orderId, result.events, loaded, { ...context, causationId });
        } catch (error) {
          // Someone else appended first, or the store cannot say whether this append landed: read again, decide again.
          if ((error instanceof ConcurrencyError || error instanceof AppendOutcomeUnknownError) && attempt < MAX_CONFLICT_RETRIES) {
            this.logger.debug(
              `${error instanceof ConcurrencyError ? 'Concurrency conflict' : 'Append outcome unknown'} on ` +
                `${orderId} (${command.type}), deciding again`,
            );
            continue;
          }
          throw error;
        }
        this.eventBus.publish(new PayoutEventsAppended(orderId, result.events, context.correlationId, appended));
        return await this.done(orderId, loaded.state, result.events, appended, made, context);
      }
    } catch (error) {
      // A refused request records nothing: whatever it reserved on the way is given back.
      if (error instanceof ApplicationError)
        await this.reservations.release(orderId, made, `request refused: ${error.code}`, context, latest);
      throw error;
    }
  }

  /** Reservations of an earlier try that the order did not come to use (the decision changed) are given back. */
  private async done(
    orderId: string,
    before: PayoutState,
    events: PayoutEvent[],
    loaded: LoadedPayout,
    made: MadeReservation[],
    context: CommandContext,
  ): Promise<ExecutedCommand> {
    const payout = loaded.state;
    if (payout.status === 'NONE')
      throw new Error(`No payout ${orderId} after an accepted command: on an empty stream the decider accepts only ConfirmPix`);
    if (made.length > 0) await this.reservations.release(orderId, made, 'not used by the order', context, payout);
    return { before, events, loaded, payout };
  }
}
