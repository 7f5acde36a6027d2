import 'reflect-metadata';
import { InvalidConfigurationError, loadConfig } from './infrastructure/config/load-config';
import { describeStartupFailure } from './infrastructure/bootstrap/startup-failure';
import { prepareDataDir } from './infrastructure/system/data-dir';

/** One line on stderr and exit 1: an operator reads the cause, not a stack. */
function stop(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

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
  if (config.eventStore.kind !== 'postgres') {
    const dataDir = prepareDataDir(config.dataDir);
    if (!dataDir.ok) stop(`Invalid configuration: ${dataDir.problem}`);
  }
  try {
    // Loaded only once the configuration holds: a refused start-up answers in a fraction of the time Nest takes to load.
    const [{ createApp }, { Logger }] = await Promise.all([import('./infrastructure/bootstrap/create-app'), import('@nestjs/common')]);
    const app = await createApp({ config });
    if (config.host) await app.listen(config.port, config.host);
    else await app.listen(config.port);
    new Logger('Main').log(`pix-lightning-ledger listening on ${config.host ?? '*'}:${config.port}`);
  } catch (error) {
    stop(`Start-up failed: ${describeStartupFailure(error, config)}`);
  }
}

void bootstrap();
