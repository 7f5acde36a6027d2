import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { AppModule } from '../../app.module';
import { ID_GENERATOR, IdGenerator } from '../../application/ports/clock.port';
import { checkJsonBody } from '../http/json-body.middleware';
import { setUpOpenApi } from '../http/openapi/open-api';
import { JsonLogger } from '../logging/json-logger.service';
import { observeRequests } from '../http/observe-requests.middleware';
import { CoreOptions } from '../modules/core.module';
import { PAYOUT_METRICS } from '../../application/ports/payout-metrics.port';
import { PrometheusMetrics } from '../metrics/prometheus-metrics';

/** Bodies larger than this are refused with 413: no legitimate request comes close. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Builds the whole service; main.ts and the e2e tests share it, so tests run the real app. */
export async function createApp(options: CoreOptions & { logger?: false | JsonLogger }): Promise<INestApplication> {
  const logger = options.logger === false ? null : (options.logger ?? new JsonLogger(options.config.logLevel));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    // A module that fails to start throws to main.ts, which prints one line, instead of aborting with a core dump.
    abortOnError: false,
    logger: logger ?? false,
  });
  const metrics = app.get(PAYOUT_METRICS);
  // First, so even a request refused by the body parser gets its id, its access line and its count.
  app.use(observeRequests(logger, app.get<IdGenerator>(ID_GENERATOR), metrics instanceof PrometheusMetrics ? metrics : null));
  // Helmet's headers (and no X-Powered-By); its default CSP fits Swagger UI, which is served from this origin.
  app.use(helmet());
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(checkJsonBody);
  setUpOpenApi(app);
  // Stores and read models close cleanly on SIGTERM/SIGINT: an acknowledged append is never cut in half.
  app.enableShutdownHooks();
  return app;
}
