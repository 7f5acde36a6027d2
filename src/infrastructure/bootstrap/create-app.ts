import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../app.module';
import { CoreOptions } from '../modules/core.module';

/** Bodies larger than this are refused with 413: no legitimate request comes close. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Builds the whole service; main.ts and the e2e tests share it, so tests run the real app. */
export async function createApp(options: CoreOptions & { logger?: false | undefined }): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    logger: options.logger,
  });
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  // Stores and read models close cleanly on SIGTERM/SIGINT: an acknowledged append is never cut in half.
  app.enableShutdownHooks();
  return app;
}
