import { Inject, Injectable } from '@nestjs/common';
import { PayoutEvent, isPayoutEvent } from '../../domain/payout/payout-events';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { PayoutState, evolve, initialPayoutState } from '../../domain/payout/payout-state';
import { CommandContext } from '../command-context';
import { ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { EVENT_STORE, EventStore, EventToAppend, NO_STREAM, ReadStreamOptions, StoredEvent } from '../ports/event-store.port';
import { EMPTY_STREAM, StreamHead, appendChained, headAfterEvent } from '../ledger-integrity/chained-append';
import { schemaVersionOf } from '../../domain/events/event-catalogue';

export interface LoadedPayout {
  state: PayoutState;
  /** The expected revision for the next append: the last revision read, or NO_STREAM. */
  revision: number | typeof NO_STREAM;
  /** Id of the last event read: what the service's own decisions are caused by. */
  lastEventId: string | null;
  /** Chain hash of the last event read: what the next append chains from (null: no stream). */
  headHash: string | null;
}

/** Reads a payout stream into its decider state and appends decided events with optimistic concurrency. */
@Injectable()
export class PayoutRepository {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  load(orderId: string): Promise<LoadedPayout> {
    return this.fold(orderId, {});
  }

  /** The payout as it stood just before the event at `revision` (a reactor replaying history); revision 0 needs no read. */
  async stateBefore(orderId: string, revision: number): Promise<PayoutState> {
    if (revision === 0) return initialPayoutState();
    return (await this.fold(orderId, { from: 0, limit: revision })).state;
  }

  private async fold(orderId: string, range: ReadStreamOptions): Promise<LoadedPayout> {
    let state = initialPayoutState();
    let head: StreamHead = EMPTY_STREAM;
    let lastEventId: string | null = null;
    for await (const event of this.store.readStream(payoutStreamName(orderId), range)) {
      if (isPayoutEvent(event)) state = evolve(state, toPayoutEvent(event));
      head = headAfterEvent(head, event);
      lastEventId = event.id;
    }
    return { state, revision: head.revision, lastEventId, headHash: head.hash };
  }

  /** Appends `events` on top of `base` (the expected revision is the one `base` was read at) and answers the payout as it now is. */
  async append(orderId: string, events: PayoutEvent[], base: LoadedPayout, context: CommandContext): Promise<LoadedPayout> {
    const envelopes: EventToAppend[] = events.map((event) => ({
      id: this.ids.next(),
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata: { ...context, schemaVersion: schemaVersionOf(event.type) },
    }));
    const { head } = await appendChained(
      this.store,
      payoutStreamName(orderId),
      { revision: base.revision, hash: base.headHash },
      envelopes,
    );
    return {
      state: events.reduce(evolve, base.state),
      revision: head.revision,
      lastEventId: envelopes[envelopes.length - 1].id,
      headHash: head.hash,
    };
  }
}

export function toPayoutEvent(event: StoredEvent): PayoutEvent {
  return { type: event.type, data: event.data } as PayoutEvent;
}
