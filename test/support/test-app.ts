import { INestApplication } from '@nestjs/common';
import { AddressInfo } from 'net';
import { Clock } from '../../src/application/ports/clock.port';
import { createApp } from '../../src/infrastructure/bootstrap/create-app';
import { AppConfig } from '../../src/infrastructure/config/app-config';
import { loadConfig } from '../../src/infrastructure/config/load-config';
import { JsonLogger } from '../../src/infrastructure/logging/json-logger.service';
import { makeTempDir } from './temp-dir';

export const KEYS = {
  bot: 'bot-key-0123456789abcdefgh',
  admin: 'admin-key-0123456789abcdefgh',
  auditor: 'auditor-key-0123456789abcdefgh',
  both: 'admin-and-auditor-key-0123456789',
};

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  dataDir: string;
  close(): Promise<void>;
}

/** The configuration every e2e app starts from: the test keys, regtest, the given data dir. */
export function testConfig(dataDir: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATA_DIR: dataDir,
    BOT_API_KEYS: KEYS.bot,
    ADMIN_API_KEYS: `${KEYS.admin},${KEYS.both}`,
    AUDITOR_API_KEYS: `${KEYS.auditor},${KEYS.both}`,
    LIGHTNING_NETWORK: 'regtest',
    // Tests take digests on demand: one at the top of the hour would land in the middle of a test's log.
    DIGEST_CRON: '0 0 1 1 *',
    // Suites that walk every route with every kind of bad key would trip the per-address limit; its own test sets it.
    AUTH_FAILURES_PER_MINUTE: '100000',
    ...env,
  });
}

/** The real Nest app over real HTTP on 127.0.0.1, with a fresh SQLite store in a temp dir. */
export async function startTestApp(
  options: { env?: Record<string, string>; clock?: Clock; dataDir?: string; logger?: JsonLogger } = {},
): Promise<TestApp> {
  const temp = options.dataDir ? null : makeTempDir('pll-e2e');
  const dataDir = options.dataDir ?? temp!.path;
  const config = testConfig(dataDir, options.env);
  const app = await createApp({ config, clock: options.clock, logger: options.logger ?? false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    dataDir,
    async close() {
      await app.close();
      temp?.remove();
    },
  };
}
