import { CommandContext } from '../../application/command-context';
import { AuthenticatedRequest } from './auth/api-key.guard';

/** The request's correlation id (the caller's X-Request-Id when sane) travels into event metadata. */
export function commandContextFrom(request: AuthenticatedRequest): CommandContext {
  return { correlationId: request.correlationId, causationId: null, actor: request.actor ?? 'system' };
}
