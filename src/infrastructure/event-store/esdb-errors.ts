import {
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
  type CurrentRevision,
} from '@eventstore/db-client';
import { AppendOutcomeUnknownError, ConcurrencyError, NO_STREAM, type ExpectedRevision } from '../../application/ports/event-store.port';

/**
 * Failures after which a write may or may not have been committed: the
 * request may have reached the server before the deadline, the connection
 * or the leader went away. (The client raises ABORTED, the server's own
 * commit timeout, as TimeoutError.)
 */
const AMBIGUOUS = [DeadlineExceededError, TimeoutError, UnavailableError, NotLeaderError, CancelledError, UnknownError];

/** Socket failures that can surface before gRPC wraps them. */
const CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/**
 * Maps what the client threw from an append onto the port's vocabulary. A
 * definite refusal (access denied, bad request, stream deleted, too large)
 * is returned as the client's own error.
 */
export function toAppendError(stream: string, expected: ExpectedRevision, thrown: unknown): Error {
  const error = asCommandError(thrown);
  if (error instanceof WrongExpectedVersionError) {
    return new ConcurrencyError(stream, expected, fromCurrentRevision(error.actualVersion));
  }
  if (isAmbiguous(error)) {
    return new AppendOutcomeUnknownError(stream, describeEsdbError(error));
  }
  return error;
}

/** One short line for a log: the kind of failure and the first line of its message, no stack. */
export function describeEsdbError(thrown: unknown): string {
  const error = asCommandError(thrown);
  const firstLine = error.message.split('\n')[0].trim();
  return firstLine === '' ? esdbErrorKind(error) : `${esdbErrorKind(error)}: ${firstLine}`;
}

/** The kind of failure alone (`unavailable`, `access-denied`...): what an unauthenticated endpoint may show. */
export function esdbErrorKind(thrown: unknown): string {
  const error = asCommandError(thrown);
  return 'type' in error && typeof error.type === 'string' ? error.type : error.name;
}

function isAmbiguous(error: Error): boolean {
  return AMBIGUOUS.some((kind) => error instanceof kind) || hasConnectionCode(error);
}

function hasConnectionCode(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/** Some paths (the server-features probe before an append) throw raw gRPC errors; the client's converter classifies them. */
function asCommandError(thrown: unknown): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  try {
    return convertToCommandError(error);
  } catch {
    // The converter expects gRPC's fields; a look-alike without them is kept as it came.
    return error;
  }
}

function fromCurrentRevision(current: CurrentRevision): number | typeof NO_STREAM {
  return current === NO_STREAM ? NO_STREAM : Number(current);
}
