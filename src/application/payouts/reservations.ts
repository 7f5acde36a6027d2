import { Inject, Injectable } from '@nestjs/common';
import { RESERVATION_SCHEMA_VERSION, Reservation, endToEndIdStreamName, paymentHashStreamName } from '../../domain/reservation/reservations';
import { CommandContext } from '../command-context';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { ConcurrencyError, EVENT_STORE, EventStore, NO_STREAM } from '../ports/event-store.port';

/** Reserves a value for an order; answers the order that owns it (this one, or the one that got there first). */
@Injectable()
export class Reservations {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  endToEndId(endToEndId: string, orderId: string, context: CommandContext): Promise<string> {
    const reservedAt = this.clock.now().toISOString();
    return this.reserve(endToEndIdStreamName(endToEndId), { type: 'EndToEndIdReserved', data: { endToEndId, orderId, reservedAt } }, context);
  }

  paymentHash(paymentHash: string, orderId: string, context: CommandContext): Promise<string> {
    const reservedAt = this.clock.now().toISOString();
    return this.reserve(paymentHashStreamName(paymentHash), { type: 'PaymentHashReserved', data: { paymentHash, orderId, reservedAt } }, context);
  }

  private async reserve(stream: string, reservation: Reservation, context: CommandContext): Promise<string> {
    try {
      await this.store.append(
        stream,
        [{ id: this.ids.next(), type: reservation.type, data: reservation.data, metadata: { ...context, schemaVersion: RESERVATION_SCHEMA_VERSION } }],
        NO_STREAM,
      );
      return reservation.data.orderId;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      for await (const event of this.store.readStream(stream, { limit: 1 })) return String(event.data.orderId);
      throw error;
    }
  }
}
