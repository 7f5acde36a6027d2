import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './infrastructure/bootstrap/create-app';
import { InvalidConfigurationError, loadConfig } from './infrastructure/config/load-config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) {
      for (const problem of error.problems) process.stderr.write(`Invalid configuration: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp({ config });
  if (config.host) await app.listen(config.port, config.host);
  else await app.listen(config.port);
  new Logger('Main').log(`pix-lightning-ledger listening on ${config.host ?? '*'}:${config.port}`);
}

void bootstrap();
