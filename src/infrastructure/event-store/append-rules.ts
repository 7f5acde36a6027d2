import { ANY, NO_STREAM, STREAM_EXISTS, type EventToAppend, type ExpectedRevision } from '../../application/ports/event-store.port';

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

export function assertNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** A read limit: a non-negative integer, or unbounded when omitted. */
export function assertLimit(limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY) {
    assertNonNegativeInteger(limit, 'limit');
  }
}
