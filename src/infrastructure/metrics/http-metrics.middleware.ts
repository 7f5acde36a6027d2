import { NextFunction, Request, Response } from 'express';
import { PrometheusMetrics } from './prometheus-metrics';

/**
 * Counts every request by the route pattern Express matched (`/v1/payouts/:orderId`),
 * never the raw URL: order ids and probes of random paths would explode the series.
 * Registered before the routes, so requests the guard refuses (401/403) count too.
 */
export function httpMetricsMiddleware(metrics: PrometheusMetrics) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const pattern = (request.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${request.baseUrl}${pattern}` : 'unmatched';
      const labels = { method: request.method, route };
      metrics.httpRequests.inc({ ...labels, status: String(response.statusCode) });
      metrics.httpSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
