import { Inject, Injectable, Logger } from '@nestjs/common';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { PayoutState, initialPayoutState } from '../../domain/payout/payout-state';
import {
  Reservation,
  ReservedValue,
  orderUses,
  reservationHolds,
  DEFAULT_RESERVATION_TAKEOVER_MS,
  reservationOf,
  reservationStreamOf,
} from '../../domain/reservation/reservations';
import { PAYOUT_SETTINGS, PayoutSettings } from '../payout-settings';
import { CommandContext } from '../command-context';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { ConcurrencyError, EVENT_STORE, EventStore } from '../ports/event-store.port';
import { EMPTY_STREAM, StreamHead, appendChained, headAt } from '../ledger-integrity/chained-append';
import { PayoutRepository } from './payout-repository';
import { schemaVersionOf } from '../../domain/events/event-catalogue';

export type { ReservedValue } from '../../domain/reservation/reservations';

/** A reservation this call wrote: what to give back if the order does not come to use it. */
export interface MadeReservation {
  value: ReservedValue;
  stream: string;
  head: StreamHead;
}

/** Another order really holds a value this request needs: the request is refused (409) with nothing written. */
export interface ReservationConflict {
  code: 'end_to_end_id_used' | 'invoice_in_use';
  message: string;
}

export type ReserveResult = { ok: true; made: MadeReservation[] } | { ok: false; error: ReservationConflict };

type StreamHolding = { holder: null; head: StreamHead } | { holder: string; reservedAt: string; head: StreamHead };

/**
 * Reserves values for an order, or says which one another order holds
 * (domain/reservation). Made before the order's append; given back when the
 * order's request is refused or loses a race, so a 4xx never leaves one held.
 */
@Injectable()
export class Reservations {
  private readonly logger = new Logger(Reservations.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly payouts: PayoutRepository,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PAYOUT_SETTINGS)
    private readonly settings: Pick<PayoutSettings, 'reservationTakeoverMs'> = { reservationTakeoverMs: DEFAULT_RESERVATION_TAKEOVER_MS },
  ) {}

  /**
   * Every value is checked first, so a value another order really holds refuses
   * the call with nothing written; the free (or stale) ones are then taken,
   * each with the expected revision it was read at, which settles a race.
   * Values the order already holds cost a read only. Answers what was written.
   */
  async reserve(orderId: string, values: ReservedValue[], context: CommandContext): Promise<ReserveResult> {
    const holdings = await Promise.all(values.map((value) => this.holding(reservationStreamOf(value))));
    const conflicts = await Promise.all(values.map((value, index) => this.conflictWith(orderId, value, holdings[index])));
    const conflict = conflicts.find((found) => found !== null);
    if (conflict) return { ok: false, error: conflict };
    const made: MadeReservation[] = [];
    const outcomes = await Promise.allSettled(
      values.map(async (value, index): Promise<ReservationConflict | null> => {
        const holding = holdings[index];
        if (holding.holder === orderId) return null;
        const taken = await this.take(orderId, value, holding.head, context);
        if ('code' in taken) return taken;
        made.push(taken);
        return null;
      }),
    );
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    const lost = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null)).find((found) => found !== null);
    if (failure || lost) {
      await this.release(orderId, made, 'another value of the same request could not be reserved', context);
      if (failure) throw failure.reason;
      return { ok: false, error: lost as ReservationConflict };
    }
    return { ok: true, made };
  }

  /**
   * Gives back what a refused request reserved, unless its order uses it after
   * all. Best effort: a release that is lost leaves a stale reservation, which
   * the next order to want the value takes over.
   */
  async release(
    orderId: string,
    made: MadeReservation[],
    reason: string,
    context: CommandContext,
    order: PayoutState = initialPayoutState(),
  ): Promise<void> {
    const releasedAt = this.clock.now().toISOString();
    await Promise.all(
      made
        .filter((reservation) => !orderUses(order, reservation.value))
        .map(async (reservation) => {
          const released: Reservation = { type: 'ReservationReleased', data: { orderId, reason, releasedAt } };
          try {
            await this.append(reservation.stream, released, reservation.head, context);
          } catch (error) {
            // Taken over meanwhile (it was stale), or the store is down: either way nothing is held wrongly.
            if (!(error instanceof ConcurrencyError))
              this.logger.warn(`Could not release ${reservation.stream} for ${orderId}: ${(error as Error).message}`);
          }
        }),
    );
  }

  /** A race lost to another order is a conflict; lost to a stale holder's release, the caller tries the whole command again. */
  private async take(
    orderId: string,
    value: ReservedValue,
    base: StreamHead,
    context: CommandContext,
  ): Promise<MadeReservation | ReservationConflict> {
    const stream = reservationStreamOf(value);
    try {
      const head = await this.append(stream, reservationOf(value, orderId, this.clock.now().toISOString()), base, context);
      return { value, stream, head };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const conflict = await this.conflictWith(orderId, value, await this.holding(stream));
      if (conflict) return conflict;
      throw error;
    }
  }

  private async append(stream: string, reservation: Reservation, base: StreamHead, context: CommandContext): Promise<StreamHead> {
    const { head } = await appendChained(this.store, stream, base, [
      {
        id: this.ids.next(),
        type: reservation.type,
        data: reservation.data,
        metadata: { ...context, schemaVersion: schemaVersionOf(reservation.type) },
      },
    ]);
    return head;
  }

  /** The conflict when another order really holds the value (its order uses it, or its request is still under way). */
  private async conflictWith(orderId: string, value: ReservedValue, holding: StreamHolding): Promise<ReservationConflict | null> {
    if (holding.holder === null || holding.holder === orderId) return null;
    const { state } = await this.payouts.load(holding.holder);
    if (!reservationHolds(state, value, holding.reservedAt, this.clock.now(), this.settings.reservationTakeoverMs)) return null;
    if (value.kind === 'endToEndId') {
      return { code: 'end_to_end_id_used', message: `pix.endToEndId ${value.endToEndId} was already used by another order` };
    }
    return { code: 'invoice_in_use', message: `This invoice (payment hash ${value.paymentHash}) already belongs to another order` };
  }

  /** The last word of a reservation stream: who holds it, if anyone, and its head (what the next append chains from). */
  private async holding(stream: string): Promise<StreamHolding> {
    for await (const event of this.store.readStream(stream, { direction: 'backwards', limit: 1 })) {
      const head = headAt(stream, event);
      if (event.type === 'ReservationReleased') return { holder: null, head };
      return { holder: String(event.data.orderId), reservedAt: String(event.data.reservedAt), head };
    }
    return { holder: null, head: EMPTY_STREAM };
  }
}

/** An invoice becomes an order's only once its payment hash is reserved for it: the hashes of the invoices these events give the order. */
export function invoiceReservations(events: PayoutEvent[]): ReservedValue[] {
  return events.flatMap((event): ReservedValue[] => {
    const invoice =
      event.type === 'DestinationSubmitted' ? event.data.invoice : event.type === 'AddressResolved' ? event.data.invoice : null;
    return invoice ? [{ kind: 'paymentHash', paymentHash: invoice.paymentHash }] : [];
  });
}
