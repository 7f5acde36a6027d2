import { NextFunction, Request, Response } from 'express';
import { performance } from 'perf_hooks';
import { IdGenerator } from '../../application/ports/clock.port';
import { AuthenticatedRequest } from './auth/api-key.guard';
import { PrometheusMetrics } from '../metrics/prometheus-metrics';
import { JsonLogger } from '../logging/json-logger.service';
import { givenCorrelationId, requestContext } from '../logging/request-context';

/**
 * Gives each request its correlation id (the caller's when sane, else a new
 * one), echoes it as X-Request-Id, runs the rest of the request inside it, and
 * when the response is finished writes one access line and counts the request
 * in the HTTP metrics — one listener for both, registered first so that
 * requests refused by the body parser or a guard are logged and counted too.
 * The line is built once, from fields already at hand: it must stay cheap at
 * hundreds of requests per second. It names the caller's role, never the key.
 */
export function observeRequests(logger: JsonLogger | null, ids: IdGenerator, metrics: PrometheusMetrics | null) {
  const accessLog = logger?.isEnabled('info') ? logger : null;
  return (request: Request, response: Response, next: NextFunction): void => {
    const correlationId = givenCorrelationId(request.headers) ?? ids.next();
    (request as AuthenticatedRequest).correlationId = correlationId;
    response.setHeader('X-Request-Id', correlationId);
    if (accessLog !== null || metrics !== null) {
      const started = performance.now();
      response.once('finish', () => {
        const durationMs = performance.now() - started;
        // The route pattern Express matched (`/v1/payouts/:orderId`), never the raw URL: ids would explode the metric's series.
        const pattern = (request.route as { path?: unknown } | undefined)?.path;
        const route = typeof pattern === 'string' ? request.baseUrl + pattern : null;
        metrics?.httpRequestFinished(request.method, route ?? 'unmatched', response.statusCode, durationMs / 1000);
        accessLog?.line('info', {
          time: new Date().toISOString(),
          level: 'info',
          context: 'Access',
          msg: 'request',
          correlationId,
          method: request.method,
          route,
          status: response.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          role: (request as AuthenticatedRequest).actor ?? null,
        });
      });
    }
    requestContext.run({ correlationId }, next);
  };
}
