import { IEvent } from '@nestjs/cqrs';
import { PayoutCommand } from '../../domain/payout/payout-commands';
import { PayoutDecider } from '../../domain/payout/payout-decider';
import { PayoutError, PayoutErrorCode } from '../../domain/payout/payout-errors';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { Payout, PayoutState } from '../../domain/payout/payout-state';
import { withVisibleText } from '../../domain/text/visible-text';
import { ApplicationError, ApplicationErrorKind } from '../application-error';
import { CommandContext } from '../command-context';
import { Clock } from '../ports/clock.port';
import { AppendOutcomeUnknownError, ConcurrencyError } from '../ports/event-store.port';
import { LoadedPayout, PayoutRepository } from './payout-repository';
import { MadeReservation, ReservationConflict, ReservedValue, Reservations, invoiceReservations } from './reservations';

/** Published in-process after a successful append, so in-process reactions (the fast path, alerts) follow at once (correctness never depends on it). */
export class PayoutEventsAppended implements IEvent {
  constructor(
    readonly orderId: string,
    readonly events: PayoutEvent[],
    readonly correlationId: string,
    /** The payout as the append left it, with its revision. */
    readonly payout: LoadedPayout,
  ) {}
}

/** What handling a command needs: the stream's reader and writer, the reservations, the decider, the clock. */
export interface PayoutCommandDeps {
  repository: PayoutRepository;
  reservations: Reservations;
  decider: PayoutDecider;
  clock: Clock;
  /** Told of every append, so in-process reactions (the fast path, alerts) can follow at once. */
  publish(appended: PayoutEventsAppended): void;
}

export const PAYOUT_COMMAND_DEPS = Symbol('PAYOUT_COMMAND_DEPS');

export interface HandledCommand {
  before: PayoutState;
  events: PayoutEvent[];
  /** The payout as this command left it: a caller's next command can start from it instead of reading the stream again. */
  loaded: LoadedPayout;
  /** The same payout's state: an accepted command always leaves a payout (on no payout only ConfirmPix is accepted). */
  payout: Payout;
}

/** A command the rules refused, or a value of it that another order holds: nothing was recorded. */
export type PayoutCommandError = PayoutError | ReservationConflict;

export type PayoutCommandResult = { ok: true; handled: HandledCommand } | { ok: false; error: PayoutCommandError };

export interface HandleOptions {
  /**
   * The payout as the caller last saw it. The first decision is made on it; if the stream has moved since, the
   * append fails on the expected revision and the command is decided again on a fresh read, so this only saves a read.
   */
  from?: LoadedPayout;
  /** Values to reserve for the order before its events are appended, besides the invoices they carry (a new order's end-to-end id). */
  reserve?: (loaded: LoadedPayout) => ReservedValue[];
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * The one command path, in the manner of Emmett's handleCommand: read the stream, decide, append at the revision
 * that was read, and answer the result or the refusal as a value. Someone else appending first (or a store that
 * cannot say whether the append landed) means: read again, decide again. Whatever a refused command reserved on the
 * way is given back, so a refusal changes nothing.
 */
export async function handlePayoutCommand(
  deps: PayoutCommandDeps,
  orderId: string,
  given: PayoutCommand,
  context: CommandContext,
  options: HandleOptions = {},
): Promise<PayoutCommandResult> {
  // Text from outside (a server's reason, a wallet's detail) is stored inert: no terminal escapes, no bidi overrides.
  const command = withVisibleText(given);
  const made: MadeReservation[] = [];
  const refuse = async (error: PayoutCommandError, latest: PayoutState): Promise<PayoutCommandResult> => {
    await deps.reservations.release(orderId, made, `request refused: ${error.code}`, context, latest);
    return { ok: false, error };
  };
  // Reservations of an earlier try that the order did not come to use (the decision changed) are given back.
  const done = async (before: PayoutState, events: PayoutEvent[], loaded: LoadedPayout): Promise<PayoutCommandResult> => {
    const payout = loaded.state;
    if (payout.status === 'NONE')
      throw new Error(`No payout ${orderId} after an accepted command: on an empty stream the decider accepts only ConfirmPix`);
    if (made.length > 0) await deps.reservations.release(orderId, made, 'not used by the order', context, payout);
    return { ok: true, handled: { before, events, loaded, payout } };
  };

  let known = options.from;
  for (let attempt = 1; ; attempt++) {
    const loaded = known ?? (await deps.repository.load(orderId));
    known = undefined;
    const decided = deps.decider.decide(command, loaded.state, deps.clock.now());
    if (!decided.ok) return refuse(decided.error, loaded.state);
    if (decided.events.length === 0) return done(loaded.state, [], loaded);
    let appended: LoadedPayout;
    try {
      // One call: every value is checked, then the free ones are appended together (one commit).
      const values = [...(options.reserve?.(loaded) ?? []), ...invoiceReservations(decided.events)];
      const reserved = await deps.reservations.reserve(orderId, values, context);
      if (!reserved.ok) return refuse(reserved.error, loaded.state);
      made.push(...reserved.made);
      // A decision of the service itself is caused by the last event it read; a request has no cause in the log.
      const causationId = context.causationId ?? (context.actor === 'system' ? loaded.lastEventId : null);
      appended = await deps.repository.append(orderId, decided.events, loaded, { ...context, causationId });
    } catch (error) {
      const retryable = error instanceof ConcurrencyError || error instanceof AppendOutcomeUnknownError;
      if (retryable && attempt < MAX_CONFLICT_RETRIES) continue;
      throw error;
    }
    deps.publish(new PayoutEventsAppended(orderId, decided.events, context.correlationId, appended));
    return done(loaded.state, decided.events, appended);
  }
}

const ERROR_KINDS: Record<PayoutErrorCode | ReservationConflict['code'], ApplicationErrorKind> = {
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
  end_to_end_id_used: 'conflict',
  invoice_in_use: 'conflict',
};

/** A request's answer: the handled command, or its refusal as the error the HTTP layer turns into a 4xx. */
export function handledOrThrow(result: PayoutCommandResult): HandledCommand {
  if (result.ok) return result.handled;
  throw new ApplicationError(ERROR_KINDS[result.error.code], result.error.message, result.error.code);
}
