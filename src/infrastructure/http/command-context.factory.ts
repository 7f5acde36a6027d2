import { CommandContext } from '../../application/command-context';
import { AuthenticatedRequest } from './auth/api-key.guard';

/** The request's correlation id (the caller's X-Request-Id when sane) travels into event metadata. */
export function commandContextFrom(request: AuthenticatedRequest): CommandContext {
  // A metrics key reaches /metrics alone, which records nothing: it is never an event's actor.
  const actor = request.actor === undefined || request.actor === 'metrics' ? 'system' : request.actor;
  return { correlationId: request.correlationId, causationId: null, actor };
}
