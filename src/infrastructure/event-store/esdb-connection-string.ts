import { EventStoreDBClient } from '@eventstore/db-client';
// Not re-exported by the package root; the options it returns are the ones the client applies.
import { parseConnectionString, type ConnectionOptions } from '@eventstore/db-client/dist/Client/parseConnectionString';

/**
 * What is wrong with an EventStoreDB connection string, decided by the
 * client's own parser (nothing connects), one line per problem. A connection
 * string may carry user:password, so no line quotes it, nor any part of it:
 * the parser's messages and warnings do, and are reworded here.
 */
export function esdbConnectionStringProblems(connectionString: string): string[] {
  const warnings = new Set<string>();
  let options: ConnectionOptions;
  const warn = console.warn;
  // The parser prints unknown options with the whole string underneath; only its first line is kept.
  console.warn = (...args: unknown[]) => warnings.add(String(args[0]).split('\n')[0]);
  try {
    options = parseConnectionString(connectionString);
    // Certificate files and option values are checked when the client is built (it connects lazily).
    EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    return [describeParseFailure(error, connectionString)];
  } finally {
    console.warn = warn;
  }
  const problems = [...warnings].map((warning) => `EVENTSTORE_CONNECTION_STRING: ${warning}`);
  if (options.throwOnAppendFailure === false) {
    problems.push(
      'EVENTSTORE_CONNECTION_STRING must not set throwOnAppendFailure=false: optimistic concurrency relies on the client throwing on a version conflict',
    );
  }
  return problems;
}

function describeParseFailure(error: unknown, connectionString: string): string {
  if (isParseError(error)) {
    return `EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string: expected ${error.expected} at character ${error.location[0] + 1}`;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : '';
  // Certificate files and numeric options are checked by the client with messages of its own, which quote no value.
  const safe = message !== '' && !message.includes(connectionString) && !containsCredentials(message, connectionString);
  return `EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string${safe ? `: ${message}` : ''}`;
}

/** The parser's ParseError is not exported; it carries what it expected and where. */
function isParseError(error: unknown): error is Error & { expected: string; location: [number, number] } {
  const candidate = error as { expected?: unknown; location?: unknown };
  return error instanceof Error && typeof candidate.expected === 'string' && Array.isArray(candidate.location);
}

function containsCredentials(message: string, connectionString: string): boolean {
  const credentials = /^[^:]+:\/\/([^@/?]+)@/.exec(connectionString)?.[1];
  return credentials !== undefined && credentials.split(':').some((part) => part !== '' && message.includes(part));
}
