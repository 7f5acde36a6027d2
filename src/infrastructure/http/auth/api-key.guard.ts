import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'crypto';
import { Request, Response } from 'express';
import { CLOCK, Clock } from '../../../application/ports/clock.port';
import { APP_CONFIG, AppConfig, Role } from '../../config/app-config';
import { httpError } from '../http-exception.filter';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { ROLES_KEY } from './roles.decorator';

export interface AuthenticatedRequest extends Request {
  /** Set for every request by the observe-requests middleware, before any guard. */
  correlationId: string;
  roles?: Role[];
  actor?: Role;
  /** SHA-256 of the presented key (hex): what the rate limit counts by, so the key itself is never kept. */
  apiKeyDigest?: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Bearer API keys with roles. Keys are compared as SHA-256 digests with
 * timingSafeEqual, against every configured key, so neither the length nor
 * the position of a match leaks through timing. Keys are never logged.
 * Failed authentications are limited per client address (FailedAuthLimiter).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { digest: Buffer; role: Role }[];
  private readonly failures: FailedAuthLimiter;
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.failures = new FailedAuthLimiter(clock, config.authFailuresPerMinute);
    this.keys = (Object.entries(config.apiKeys) as [Role, string[]][]).flatMap(([role, keys]) =>
      keys.map((key) => ({ digest: digest(key), role })),
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    this.refuseWhileBlocked(address, context.switchToHttp().getResponse<Response>());
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) {
      this.failures.recordFailure(address);
      throw httpError(HttpStatus.UNAUTHORIZED, 'Missing bearer API key', 'missing_api_key');
    }
    const presented = digest(match[1]);
    const roles = new Set<Role>();
    for (const key of this.keys) if (timingSafeEqual(key.digest, presented)) roles.add(key.role);
    if (roles.size === 0) {
      this.failures.recordFailure(address);
      throw httpError(HttpStatus.UNAUTHORIZED, 'Unknown API key', 'unknown_api_key');
    }
    const granted = required.filter((role) => roles.has(role));
    if (granted.length === 0) throw httpError(HttpStatus.FORBIDDEN, `This route needs the role ${required.join(' or ')}`, 'forbidden_role');
    request.roles = [...roles];
    request.actor = granted[0];
    request.apiKeyDigest = presented.toString('hex');
    return true;
  }

  private refuseWhileBlocked(address: string, response: Response): void {
    const verdict = this.failures.check(address);
    if (!verdict.blocked) return;
    if (verdict.firstRefusal) {
      this.logger.warn(`too many failed authentications from ${address}: refused with 429 for ${verdict.retryAfterSeconds} s`);
    }
    response.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    throw httpError(
      HttpStatus.TOO_MANY_REQUESTS,
      `Too many failed authentications from this address; retry after ${verdict.retryAfterSeconds} s`,
      'rate_limited',
    );
  }
}
