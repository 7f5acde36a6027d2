import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from '../../application/ports/event-store.port';

/** Rules every adapter applies the same way (docs/architecture.md, "Event store port"). */

/** Argument checks every adapter applies before touching its store: a caller's mistake is a RangeError, never a write. */
export function assertAppendable(events: EventToAppend[], expected: ExpectedRevision): void {
  if (events.length === 0) {
    throw new RangeError('append needs at least one event');
  }
  if (typeof expected === 'number') {
    assertNonNegativeInteger(expected, 'expectedRevision');
  }
}

/** Whether a stream whose last revision is `actual` accepts an append expecting `expected`. */
export function satisfies(expected: ExpectedRevision, actual: number | typeof NO_STREAM): boolean {
  switch (expected) {
    case ANY:
      return true;
    case NO_STREAM:
      return actual === NO_STREAM;
    case STREAM_EXISTS:
      return actual !== NO_STREAM;
    default:
      return actual === expected;
  }
}

function assertNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** A read limit: a non-negative integer, or unbounded when omitted. */
function assertLimit(limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY) {
    assertNonNegativeInteger(limit, 'limit');
  }
}

/** Where an event id is stored. */
export interface StoredLocation {
  stream: string;
  revision: number;
  position: string;
}

/**
 * Idempotency rule: a batch whose FIRST event id is already stored is a
 * retry of an append that went through (typically the caller never saw the
 * acknowledgement). It is acknowledged again with the stored outcome — the
 * revision and position of the batch's last event — and nothing is written,
 * whatever the expected revision says now.
 *
 * The retry must be the same batch: every id stored in this stream, at
 * consecutive revisions in the given order. A batch that only partly matches
 * is 'partial' (the adapter refuses it with a ConcurrencyError, as
 * EventStoreDB does); a first id stored in another stream is a caller bug and
 * fails loudly. null: not a retry.
 */
export function replayOutcome(
  stream: string,
  events: EventToAppend[],
  locate: (id: string) => StoredLocation | undefined,
): AppendResult | 'partial' | null {
  const first = locate(events[0].id);
  if (first === undefined) {
    return null;
  }
  if (first.stream !== stream) {
    throw new Error(`Event id ${events[0].id} is already stored in stream ${first.stream}, not ${stream}`);
  }
  let last = first;
  for (let index = 1; index < events.length; index += 1) {
    const stored = locate(events[index].id);
    if (stored === undefined || stored.stream !== stream || stored.revision !== first.revision + index) {
      return 'partial';
    }
    last = stored;
  }
  return { nextRevision: last.revision, position: last.position };
}

/** Pages through a stream from `options.from` (forwards or backwards) up to `options.limit` events. */
export async function* pageThroughStream(
  options: ReadStreamOptions,
  pageSize: number,
  readPage: (from: number, limit: number, backwards: boolean) => Promise<StoredEvent[]> | StoredEvent[],
): AsyncIterable<StoredEvent> {
  const backwards = options.direction === 'backwards';
  let cursor = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  assertNonNegativeInteger(cursor, 'from');
  assertLimit(remaining);
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    const events = await readPage(cursor, size, backwards);
    yield* events;
    if (events.length < size) {
      return;
    }
    remaining -= events.length;
    const last = events[events.length - 1].revision;
    cursor = backwards ? last - 1 : last + 1;
    if (cursor < 0) {
      return;
    }
  }
}

/** Pages through the global log after `options.after` (exclusive) up to `options.limit` events. */
export async function* pageThroughLog(
  options: ReadAllOptions,
  pageSize: number,
  readPage: (after: string | null, limit: number) => Promise<StoredEvent[]> | StoredEvent[],
): AsyncIterable<StoredEvent> {
  let after = options.after ?? null;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  assertLimit(remaining);
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    const events = await readPage(after, size);
    yield* events;
    if (events.length < size) {
      return;
    }
    remaining -= events.length;
    after = events[events.length - 1].position;
  }
}
