/**
 * A thrown value as one line for a log or a stored error: its message (else
 * its name), never its stack. An AggregateError (a connection tried on
 * several addresses) names every cause: its own message is often empty.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}

/** A thrown value as an Error (kept as is when it is one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(describeError(error));
}
