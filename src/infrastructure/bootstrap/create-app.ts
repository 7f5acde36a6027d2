import { ConsoleLogger, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../app.module';
import { checkJsonBody } from '../http/json-body.middleware';
import { CoreOptions } from '../modules/core.module';
import { PAYOUT_METRICS } from '../../application/ports/payout-metrics.port';
import { httpMetricsMiddleware } from '../metrics/http-metrics.middleware';
import { PrometheusMetrics } from '../metrics/prometheus-metrics';

/** Bodies larger than this are refused with 413: no legitimate request comes close. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A second line of defence: no code logs these, and should one slip into a structured log, it is masked. */
const REDACTED_KEYS = ['adminKey', 'apiKey', 'authorization', 'secret', 'x-api-key'];

/** Builds the whole service; main.ts and the e2e tests share it, so tests run the real app. */
export async function createApp(options: CoreOptions & { logger?: false | undefined }): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    // One JSON object per line, so operators can filter by orderId, paymentHash or correlationId.
    logger: options.logger === false ? false : new ConsoleLogger({ json: true, redact: REDACTED_KEYS }),
  });
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(checkJsonBody);
  const metrics = app.get(PAYOUT_METRICS);
  if (metrics instanceof PrometheusMetrics) app.use(httpMetricsMiddleware(metrics));
  // Stores and read models close cleanly on SIGTERM/SIGINT: an acknowledged append is never cut in half.
  app.enableShutdownHooks();
  return app;
}
