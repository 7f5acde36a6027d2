import {
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  jsonEvent,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import type { Clock } from '../../application/ports/clock.port';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendResult,
  type EventHandler,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type Subscription,
} from '../../application/ports/event-store.port';
import { esdbConnectionStringProblems } from './esdb-connection-string';
import { describeEsdbError, esdbErrorKind, toAppendError } from './esdb-errors';
import { decodeAfter, encodePosition, isAfter } from './esdb-positions';
import { RecordedEventFilter, isSystemEvent } from './esdb-recorded-events';
import { EsdbSubscription } from './esdb-subscription';
import { ThrottledLog } from './throttled-log';

export interface EsdbEventStoreOptions {
  /** An `esdb://` (or `esdb+discover://`) connection string. */
  connectionString: string;
  /** Times the throttle of the log line repeated while the server cannot be used. */
  clock: Clock;
  /** Pause before a dropped subscription is re-opened from its last delivered position. */
  resubscribeDelayMs?: number;
  /** How long ping() waits for the server before reporting it unreachable. */
  pingTimeoutMs?: number;
}

const DEFAULT_RESUBSCRIBE_DELAY_MS = 1_000;
// Reads on $all have no deadline in the client, and readiness must answer within ~2 s.
const DEFAULT_PING_TIMEOUT_MS = 1_500;
const OUTAGE_LOG_INTERVAL_MS = 30_000;

/**
 * EventStoreDB adapter (docs/architecture.md, "Event store port"). EventStoreDB does the
 * heavy lifting: optimistic concurrency on expected revisions, idempotency by
 * event id (our ids are sent as the ESDB event ids, so they must be UUIDs),
 * the global `$all` log. This class maps its vocabulary onto the port's and
 * hides system events and other tools' events.
 */
export class EsdbEventStore implements EventStore {
  private readonly logger = new Logger(EsdbEventStore.name);
  private readonly client: EventStoreDBClient;
  private readonly events = new RecordedEventFilter((line) => this.logger.warn(line));
  private readonly outage: ThrottledLog;
  private readonly resubscribeDelayMs: number;
  private readonly pingTimeoutMs: number;
  private readonly subscriptions = new Set<EsdbSubscription>();

  constructor(options: EsdbEventStoreOptions) {
    // The configuration refuses these strings already; checked again for anyone constructing the store directly.
    const problems = esdbConnectionStringProblems(options.connectionString);
    if (problems.length > 0) {
      throw new Error(problems.join('; '));
    }
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.outage = new ThrottledLog((line) => this.logger.warn(line), options.clock, OUTAGE_LOG_INTERVAL_MS);
    this.resubscribeDelayMs = options.resubscribeDelayMs ?? DEFAULT_RESUBSCRIBE_DELAY_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
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
        throw toAppendError(stream, expectedRevision, error);
      });
    const nextRevision = Number(result.nextExpectedRevision);
    // For a single-event write the returned position is that event's position
    // in $all. A multi-event write reports the transaction's position, and an
    // idempotent (already written) one reports none, so the last event's
    // position is read back to honour the port.
    const position =
      events.length === 1 && result.position !== undefined ? result.position : await this.positionOf(stream, result.nextExpectedRevision);
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
    try {
      for await (const event of this.accepted(read)) {
        yield event;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) {
        throw error;
      }
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    const after = decodeAfter(options.after);
    if (remaining <= 0) {
      return;
    }
    // readAll starts AT the given position; the port's `after` is exclusive,
    // hence the filter below. System events are dropped on our side since
    // this read has no server-side filter.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: after ?? START });
    for await (const event of this.accepted(read, (position) => isAfter(position, after))) {
      yield event;
      remaining -= 1;
      if (remaining === 0) {
        return;
      }
    }
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    const after = decodeAfter(options.after);
    const subscription = new EsdbSubscription(
      {
        client: this.client,
        events: this.events,
        outage: this.outage,
        logger: this.logger,
        resubscribeDelayMs: this.resubscribeDelayMs,
      },
      after,
      handler,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeadlineExceededError(undefined, `no answer within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
    });
    try {
      await Promise.race([read.toArray(), timeout]);
      this.outage.resolve('EventStoreDB answers again');
    } catch (error) {
      this.outage.report(`EventStoreDB readiness probe failed (${describeEsdbError(error)}); /health/ready answers 503 until it succeeds`);
      // The readiness report is public: the kind of failure only, no host or port.
      // eslint-disable-next-line preserve-caught-error -- the cause may name the host; the report is public (logged above instead)
      throw new Error(`EventStoreDB readiness probe failed: ${esdbErrorKind(error)}`);
    } finally {
      clearTimeout(timer);
      await read.cancel().catch(() => undefined);
    }
  }

  /**
   * The newest event a subscriber of this store can see: system events and
   * other tools' events are skipped, or a projection waiting to reach the
   * head would wait for an event it is never given.
   */
  async headPosition(): Promise<string | null> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    for await (const event of this.accepted(read)) {
      return event.position;
    }
    return null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  /** This service's events of a read, in order; the read is cancelled when the caller stops early. */
  private async *accepted(
    read: StreamingRead<ResolvedEvent>,
    wanted: (position: Position | undefined) => boolean = () => true,
  ): AsyncIterable<StoredEvent> {
    let finished = false;
    try {
      for await (const resolved of read) {
        const recorded = resolved.event;
        if (recorded === undefined || isSystemEvent(recorded) || !wanted(recorded.position)) {
          continue;
        }
        const event = this.events.accept(recorded);
        if (event !== null) {
          yield event;
        }
      }
      finished = true;
    } catch (error) {
      finished = true;
      throw error;
    } finally {
      if (!finished) {
        await read.cancel();
      }
    }
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
