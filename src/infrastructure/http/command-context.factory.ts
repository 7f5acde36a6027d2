import { CommandContext } from '../../application/command-context';
import { IdGenerator } from '../../application/ports/clock.port';
import { AuthenticatedRequest } from './auth/api-key.guard';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Correlation-Id (or X-Request-Id) travels into event metadata; otherwise a new one is made. */
export function commandContextFrom(request: AuthenticatedRequest, ids: IdGenerator): CommandContext {
  const header = request.headers['x-correlation-id'] ?? request.headers['x-request-id'];
  const given = typeof header === 'string' && CORRELATION_ID.test(header) ? header : null;
  // A metrics key reaches /metrics alone, which records nothing: it is never an event's actor.
  const actor = request.actor === undefined || request.actor === 'metrics' ? 'system' : request.actor;
  return { correlationId: given ?? ids.next(), causationId: null, actor };
}
