import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Position,
  type RecordedEvent,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import {
  ANY,
  ConcurrencyError,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendResult,
  type EventHandler,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type Subscription,
} from '../../application/ports/event-store.port';

export interface EsdbEventStoreOptions {
  /** An `esdb://` (or `esdb+discover://`) connection string. */
  connectionString: string;
  /** Pause before a dropped subscription is re-opened from its last delivered position. */
  resubscribeDelayMs?: number;
}

const DEFAULT_RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * EventStoreDB adapter (design.md, "Event store port"). EventStoreDB does the
 * heavy lifting: optimistic concurrency on expected revisions, idempotency by
 * event id (our ids are sent as the ESDB event ids, so they must be UUIDs),
 * the global `$all` log. This class maps its vocabulary onto the port's and
 * hides its system events.
 *
 * Positions are `${commit}/${prepare}` in decimal: opaque to callers, and
 * parsed back into the ESDB position they came from.
 */
export class EsdbEventStore implements EventStore {
  private readonly logger = new Logger(EsdbEventStore.name);
  private readonly client: EventStoreDBClient;
  private readonly resubscribeDelayMs: number;
  private readonly subscriptions = new Set<EsdbSubscription>();

  constructor(options: EsdbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.resubscribeDelayMs = options.resubscribeDelayMs ?? DEFAULT_RESUBSCRIBE_DELAY_MS;
  }

  async append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) {
      throw new RangeError('append needs at least one event');
    }
    const result = await this.client
      .appendToStream(
        stream,
        events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
        { expectedRevision: toEsdbExpectedRevision(expectedRevision) },
      )
      .catch((error: unknown) => {
        if (error instanceof WrongExpectedVersionError) {
          throw new ConcurrencyError(stream, expectedRevision, fromCurrentRevision(error.actualVersion));
        }
        throw error;
      });
    if (!result.success) {
      // Only reachable when the connection string sets throwOnAppendFailure=false.
      const current = result.nextExpectedRevision;
      throw new ConcurrencyError(stream, expectedRevision, current < 0n ? NO_STREAM : Number(current));
    }
    const nextRevision = Number(result.nextExpectedRevision);
    // For a single-event write the returned position is that event's position
    // in $all. A multi-event write reports the transaction's position, and an
    // idempotent (already written) one reports none, so the last event's
    // position is read back to honour the port.
    const position =
      events.length === 1 && result.position !== undefined
        ? result.position
        : await this.positionOf(stream, result.nextExpectedRevision);
    return { nextRevision, position: encodePosition(position) };
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<StoredEvent> {
    const backwards = options.direction === 'backwards';
    if (options.limit === 0) {
      return;
    }
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.from === undefined ? (backwards ? END : START) : BigInt(options.from),
      ...(options.limit === undefined ? {} : { maxCount: options.limit }),
    });
    let finished = false;
    try {
      for await (const resolved of read) {
        if (resolved.event !== undefined) {
          yield toStoredEvent(resolved.event);
        }
      }
      finished = true;
    } catch (error) {
      finished = true;
      if (!(error instanceof StreamNotFoundError)) {
        throw error;
      }
    } finally {
      if (!finished) {
        await read.cancel();
      }
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) {
      return;
    }
    const after = options.after === undefined || options.after === null ? null : decodePosition(options.after);
    // readAll starts AT the given position; the port's `after` is exclusive,
    // hence the comparison below. System events are dropped on our side since
    // this read has no server-side filter.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: after ?? START });
    let finished = false;
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (event === undefined || isSystemEvent(event) || !isAfter(event.position, after)) {
          continue;
        }
        yield toStoredEvent(event);
        remaining -= 1;
        if (remaining === 0) {
          return;
        }
      }
      finished = true;
    } finally {
      if (!finished) {
        await read.cancel();
      }
    }
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    const after = options.after === undefined || options.after === null ? null : decodePosition(options.after);
    const subscription = new EsdbSubscription(
      this.client,
      after,
      handler,
      this.resubscribeDelayMs,
      this.logger,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }).toArray();
  }

  /**
   * The newest event a subscriber of this store can see: system events are
   * skipped, or a projection waiting to reach the head would wait for an
   * event it is never given.
   */
  async headPosition(): Promise<string | null> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    try {
      for await (const resolved of read) {
        if (resolved.event !== undefined && !isSystemEvent(resolved.event)) {
          return encodePosition(resolved.event.position);
        }
      }
      return null;
    } finally {
      await read.cancel();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async positionOf(stream: string, revision: bigint): Promise<Position> {
    const [resolved] = await this.client.readStream(stream, { fromRevision: revision, maxCount: 1 }).toArray();
    const position = resolved?.event?.position;
    if (position === undefined) {
      throw new Error(`EventStoreDB returned no position for ${stream}@${revision} (server older than 22.6?)`);
    }
    return position;
  }
}

/**
 * Catch-up subscription on $all that survives dropped connections: it is
 * re-opened from the last position whose handler call completed, and the
 * events at or before that position are skipped, so nothing is delivered
 * twice. A failing handler is treated the same way (logged, retried).
 */
class EsdbSubscription implements Subscription {
  private closed = false;
  private current: AllStreamSubscription | null = null;
  private cancelPause: (() => void) | null = null;

  constructor(
    private readonly client: EventStoreDBClient,
    private after: Position | null,
    private readonly handler: EventHandler,
    private readonly resubscribeDelayMs: number,
    private readonly logger: Logger,
    private readonly onClose: (subscription: EsdbSubscription) => void,
  ) {
    void this.run();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.onClose(this);
    this.cancelPause?.();
    const current = this.current;
    if (current !== null) {
      await current.unsubscribe().catch(() => undefined);
      // Ends a `for await` still waiting for the next event.
      current.destroy();
    }
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const subscription = this.client.subscribeToAll({
        // fromPosition is exclusive on subscriptions, which is the port's meaning of `after`.
        fromPosition: this.after ?? START,
        filter: excludeSystemEvents(),
      });
      this.current = subscription;
      try {
        for await (const resolved of subscription) {
          if (this.closed) {
            break;
          }
          const event = resolved.event;
          if (event === undefined || isSystemEvent(event) || !isAfter(event.position, this.after)) {
            continue;
          }
          await this.handler(toStoredEvent(event));
          this.after = event.position;
        }
      } catch (error) {
        if (!this.closed) {
          this.logger.error(
            `Subscription to $all dropped after ${this.after === null ? 'start' : encodePosition(this.after)}; resubscribing`,
            error instanceof Error ? error.stack : String(error),
          );
        }
      } finally {
        this.current = null;
        await subscription.unsubscribe().catch(() => undefined);
      }
      if (!this.closed) {
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.resubscribeDelayMs);
      this.cancelPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case ANY:
    case NO_STREAM:
    case STREAM_EXISTS:
      // The port's constants are spelled like the client's.
      return expected;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`expectedRevision must be a non-negative integer, got ${expected}`);
      }
      return BigInt(expected);
  }
}

function fromCurrentRevision(current: CurrentRevision): number | typeof NO_STREAM {
  return current === NO_STREAM ? NO_STREAM : Number(current);
}

function isSystemEvent(event: RecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function isAfter(position: Position | undefined, after: Position | null): boolean {
  if (after === null) {
    return true;
  }
  if (position === undefined) {
    return false;
  }
  return position.commit > after.commit || (position.commit === after.commit && position.prepare > after.prepare);
}

function encodePosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

function decodePosition(encoded: string): Position {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(encoded);
  if (match === null) {
    throw new RangeError(`Not an EventStoreDB position: ${encoded}`);
  }
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

function toStoredEvent(event: RecordedEvent): StoredEvent {
  if (!event.isJson) {
    throw new Error(`Event ${event.id} in ${event.streamId} is not JSON; this store only writes JSON events`);
  }
  if (event.position === undefined) {
    throw new Error(`EventStoreDB returned no position for event ${event.id} (server older than 22.6?)`);
  }
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: encodePosition(event.position),
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: event.metadata as EventMetadata,
    createdAt: event.created.toISOString(),
  };
}
