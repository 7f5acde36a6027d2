import { EventStoreDBClient } from '@eventstore/db-client';
// Not re-exported by the package root; the options it returns are the ones the client applies.
import { parseConnectionString, type ConnectionOptions } from '@eventstore/db-client/dist/Client/parseConnectionString';

const NOT_VALID = 'EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string';

/**
 * What is wrong with an EventStoreDB connection string, decided by the
 * client's own parser (nothing connects), one line per problem. A connection
 * string may carry user:password, so no line quotes it, nor any part of it:
 * the parser's messages and warnings do, and are reworded here.
 */
export function esdbConnectionStringProblems(connectionString: string): string[] {
  const warnings = new Set<string>();
  const warn = console.warn;
  // The parser prints unknown options with the whole string underneath; only its first line is kept.
  console.warn = (...args: unknown[]) => warnings.add(String(args[0]).split('\n')[0]);
  try {
    let options: ConnectionOptions;
    try {
      options = parseConnectionString(connectionString);
    } catch (error) {
      return [describeParseError(error)];
    }
    try {
      // Certificate files and option values are checked when the client is built (it connects lazily).
      EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      return [describeClientError(error, options)];
    }
    const problems = [...warnings].map((warning) => `EVENTSTORE_CONNECTION_STRING: ${warning}`);
    if (options.throwOnAppendFailure === false) {
      problems.push(
        'EVENTSTORE_CONNECTION_STRING must not set throwOnAppendFailure=false: optimistic concurrency relies on the ' +
          'client throwing on a version conflict',
      );
    }
    return problems;
  } finally {
    console.warn = warn;
  }
}

/** The parser's ParseError (not exported) quotes the offending part; what it expected and where are enough. */
function describeParseError(error: unknown): string {
  const { expected, location } = error as { expected?: unknown; location?: unknown };
  if (typeof expected === 'string' && Array.isArray(location) && typeof location[0] === 'number') {
    return `${NOT_VALID}: expected ${expected} at character ${location[0] + 1}`;
  }
  return NOT_VALID;
}

/** The client's own checks (certificate files, numeric options) quote no credentials; shown unless they would. */
function describeClientError(error: unknown, options: ConnectionOptions): string {
  const message = error instanceof Error ? error.message.split('\n')[0] : '';
  const secrets = [options.defaultCredentials?.username, options.defaultCredentials?.password].filter((part) => !!part);
  const safe = message !== '' && !secrets.some((secret) => message.includes(secret!));
  return safe ? `${NOT_VALID}: ${message}` : NOT_VALID;
}
