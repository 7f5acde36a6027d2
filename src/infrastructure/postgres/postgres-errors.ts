import { StoreUnavailableError } from '../../application/ports/event-store.port';
import { describeError } from '../../application/describe-error';

/** SQLSTATE classes that say "the server or the connection", not "your statement": 08 connection, 53 resources, 57 operator intervention, 58 system. */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];
/** Node socket errors raised by pg before the server said anything. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own messages for a connection that ended or never came. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Query read timeout',
  'Cannot use a pool after calling end',
];

/** True when the database could not be reached or dropped the connection: the request may be retried later. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && CONNECTION_MESSAGES.some((text) => message.includes(text));
}

/** A connection-level failure becomes the one StoreUnavailableError every caller maps to 503; anything else is rethrown as is. */
export function toStoreError(error: unknown): unknown {
  return isPostgresUnavailable(error)
    ? new StoreUnavailableError('store_unavailable', `PostgreSQL: ${describeError(error)}`, { cause: error })
    : error;
}
