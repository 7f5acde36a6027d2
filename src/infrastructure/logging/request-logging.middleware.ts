import { NextFunction, Request, Response } from 'express';
import { performance } from 'perf_hooks';
import { IdGenerator } from '../../application/ports/clock.port';
import { AuthenticatedRequest } from '../http/auth/api-key.guard';
import { JsonLogger } from './json-logger.service';
import { givenCorrelationId, requestContext } from './request-context';

/**
 * Gives each request its correlation id (the caller's when sane, else a new
 * one), echoes it as X-Request-Id, runs the rest of the request inside it, and
 * writes one access line when the response is finished. The line is built
 * once, from fields already at hand: it must stay cheap at hundreds of
 * requests per second. It names the caller's role, never the key.
 */
export function requestLogging(logger: JsonLogger | null, ids: IdGenerator) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const correlationId = givenCorrelationId(request.headers) ?? ids.next();
    (request as AuthenticatedRequest).correlationId = correlationId;
    response.setHeader('X-Request-Id', correlationId);
    if (logger?.isEnabled('info')) {
      const started = performance.now();
      response.once('finish', () => {
        const route = request.route?.path;
        logger.line('info', {
          time: new Date().toISOString(),
          level: 'info',
          context: 'Access',
          msg: 'request',
          correlationId,
          method: request.method,
          route: route === undefined ? null : request.baseUrl + route,
          status: response.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          role: (request as AuthenticatedRequest).actor ?? null,
        });
      });
    }
    requestContext.run({ correlationId }, next);
  };
}
