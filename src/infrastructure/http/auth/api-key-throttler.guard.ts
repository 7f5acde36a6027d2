import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedRequest } from './api-key.guard';

/**
 * Counts requests per API key across all routes (not per IP: several bots may
 * share a gateway). Runs after the key guard, so only routes that need a key
 * are limited — health probes and /docs never are — and the count is kept
 * under the key's digest, never the key.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.switchToHttp().getRequest<AuthenticatedRequest>().apiKeyDigest === undefined;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request as unknown as AuthenticatedRequest).apiKeyDigest!;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }
}
