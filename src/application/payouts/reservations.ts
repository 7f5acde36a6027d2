import { Inject, Injectable } from '@nestjs/common';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { RESERVATION_SCHEMA_VERSION, Reservation } from '../../domain/reservation/reservations';
import { endToEndIdStreamName, paymentHashStreamName } from '../../domain/streams/stream-names';
import { ApplicationError } from '../application-error';
import { CommandContext } from '../command-context';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { ConcurrencyError, EVENT_STORE, EventStore, NO_STREAM } from '../ports/event-store.port';

/** A value that may belong to one order only (domain/reservation). */
export type ReservedValue = { kind: 'endToEndId'; endToEndId: string } | { kind: 'paymentHash'; paymentHash: string };

/** Reserves values for an order, or says (409) which one another order already holds. */
@Injectable()
export class Reservations {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Every value is checked first, so a value held by another order fails
   * the call with nothing written (barring a race with that order's own
   * reservation); the free ones are then appended together — one group
   * commit — each with NO_STREAM, which is what settles a race. Values the
   * order already holds cost a read only.
   */
  async reserve(orderId: string, values: ReservedValue[], context: CommandContext): Promise<void> {
    const owners = await Promise.all(values.map((value) => this.owner(streamOf(value))));
    values.forEach((value, index) => assertHeldBy(orderId, value, owners[index]));
    const reservedAt = this.clock.now().toISOString();
    const winners = await Promise.all(
      values.map((value, index) => (owners[index] === orderId ? orderId : this.append(streamOf(value), reservationOf(value, orderId, reservedAt), context))),
    );
    values.forEach((value, index) => assertHeldBy(orderId, value, winners[index]));
  }

  /** Appends the reservation; answers the order that holds the value (this one, or the one that got there first). */
  private async append(stream: string, reservation: Reservation, context: CommandContext): Promise<string> {
    try {
      await this.store.append(
        stream,
        [{ id: this.ids.next(), type: reservation.type, data: reservation.data, metadata: { ...context, schemaVersion: RESERVATION_SCHEMA_VERSION } }],
        NO_STREAM,
      );
      return reservation.data.orderId;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const owner = await this.owner(stream);
      if (owner === null) throw error;
      return owner;
    }
  }

  private async owner(stream: string): Promise<string | null> {
    for await (const event of this.store.readStream(stream, { limit: 1 })) return String(event.data.orderId);
    return null;
  }
}

/** An invoice becomes an order's only once its payment hash is reserved for it: the hashes of the invoices these events give the order. */
export function invoiceReservations(events: PayoutEvent[]): ReservedValue[] {
  return events.flatMap((event): ReservedValue[] => {
    const invoice = event.type === 'DestinationSubmitted' ? event.data.invoice : event.type === 'AddressResolved' ? event.data.invoice : null;
    return invoice ? [{ kind: 'paymentHash', paymentHash: invoice.paymentHash }] : [];
  });
}

function streamOf(value: ReservedValue): string {
  return value.kind === 'endToEndId' ? endToEndIdStreamName(value.endToEndId) : paymentHashStreamName(value.paymentHash);
}

function reservationOf(value: ReservedValue, orderId: string, reservedAt: string): Reservation {
  return value.kind === 'endToEndId'
    ? { type: 'EndToEndIdReserved', data: { endToEndId: value.endToEndId, orderId, reservedAt } }
    : { type: 'PaymentHashReserved', data: { paymentHash: value.paymentHash, orderId, reservedAt } };
}

function assertHeldBy(orderId: string, value: ReservedValue, owner: string | null): void {
  if (owner === null || owner === orderId) return;
  if (value.kind === 'endToEndId') {
    throw new ApplicationError('conflict', `pix.endToEndId ${value.endToEndId} was already used by another order`, 'end_to_end_id_used');
  }
  throw new ApplicationError('conflict', `This invoice (payment hash ${value.paymentHash}) already belongs to another order`, 'invoice_in_use');
}
