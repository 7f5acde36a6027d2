import { spawnSync } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';
import { startTestApp, type TestApp } from '../support/test-app';

const root = join(__dirname, '..', '..');

function startService(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--require', join(root, 'test/support/register-ts.js'), join(root, 'src/main.ts')], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('start-up', () => {
  it('stops with one clear line per configuration problem and a non-zero exit', () => {
    const result = startService({ PORT: 'http', LIGHTNING_NETWORK: 'mainnet', VOLTZ_ADMIN_KEY: 'super-secret-admin-key' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      'Invalid configuration: PORT must be an integer (got "http")',
      expect.stringMatching(/^Invalid configuration: LIGHTNING_NETWORK must be one of/),
      expect.stringMatching(/^Invalid configuration: VOLTZ_URL is required when VOLTZ_ADMIN_KEY is set/),
    ]);
    expect(result.stdout + result.stderr).not.toContain('super-secret-admin-key');
  });

  it('stops on a malformed EventStoreDB connection string in one line that does not quote it', () => {
    const result = startService({
      // Should the string be accepted, the service binds an ephemeral loopback port rather than a shared one.
      PORT: '0',
      HOST: '127.0.0.1',
      EVENT_STORE: 'esdb',
      EVENTSTORE_CONNECTION_STRING: 'esdb://ledger:hunter2-password@db:port?tls=false',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Invalid configuration: EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string: expected port number/,
      ),
    ]);
    expect(result.stdout + result.stderr).not.toContain('hunter2-password');
  });

  describe('with EventStoreDB unreachable', () => {
    let service: TestApp;

    beforeAll(async () => {
      service = await startTestApp({
        env: { EVENT_STORE: 'esdb', EVENTSTORE_CONNECTION_STRING: `esdb://127.0.0.1:${await closedPort()}?tls=false` },
      });
    });

    afterAll(async () => {
      await service.close();
    });

    it('starts, stays live, and answers /health/ready with 503 within 2 s', async () => {
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      const started = Date.now();
      const ready = await fetch(`${service.url}/health/ready`);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        ready: false,
        eventStore: { reachable: false, error: 'EventStoreDB readiness probe failed: unavailable' },
      });
    });
  });
});
