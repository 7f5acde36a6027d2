import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { endToEndIdFor, hashesOf, pollUntil, truthOf } from '../support/service-process-fixtures';
import { HttpResult, SERVICE_KEYS, ServiceProcess, stopAllServiceProcesses } from '../support/service-process';
import { makeTempDir } from '../support/temp-dir';

/**
 * A damaged or full disk under the real service (src/main.ts as a child):
 * 503 with the store's code, readiness 503 at once, one ALERT line, never a
 * 500; and nothing acknowledged is lost once space returns.
 */
const PAGE = 4096;
const FINAL = ['SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION'];

describe('Store faults (service child process)', () => {
  let sandbox: Sandbox;
  const temps: { remove(): void }[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
  });

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    for (const temp of temps) temp.remove();
  });

  const newDataDir = (tag: string) => {
    const temp = makeTempDir(`pll-store-${tag}`);
    temps.push(temp);
    return temp.path;
  };

  const order = (service: ServiceProcess, orderId: string) =>
    service.confirm({ orderId, endToEndId: endToEndIdFor(orderId), amountSats: 1000, destination: `${orderId}@${sandbox.addressDomain}` });

  const settled = (service: ServiceProcess, orderId: string) =>
    pollUntil(
      `${orderId} to finish`,
      async () => {
        const payout = await service.getPayout(orderId);
        return payout.status === 200 && FINAL.includes(payout.body.status) ? payout.body : undefined;
      },
      30_000,
      100,
    );

  const alerts = (service: ServiceProcess, code: string) =>
    service
      .output()
      .split('\n')
      .filter((line) => line.includes(`ALERT ${code}`));

  it('a store with overwritten pages: readiness 503 store_corrupt, no answer is a 500, one ALERT line', async () => {
    const dataDir = newDataDir('corrupt');
    const first = await ServiceProcess.start({ dataDir, sandbox, name: 'corrupt#1' });
    const orderIds = Array.from({ length: 12 }, (_, i) => `corrupt_${i}`);
    for (const orderId of orderIds) expect((await order(first, orderId)).status).toBe(201);
    for (const orderId of orderIds) expect((await settled(first, orderId)).status).toBe('SETTLED');
    await first.stop();

    // Every page after the first two (the header and the schema stay readable, so the file still opens).
    const file = join(dataDir, 'events.sqlite');
    const fd = openSync(file, 'r+');
    const pages = fstatSync(fd).size / PAGE;
    expect(pages).toBeGreaterThan(4);
    for (let page = 2; page < pages; page++) writeSync(fd, Buffer.alloc(PAGE, 0xa5), 0, PAGE, page * PAGE);
    closeSync(fd);

    const second = await ServiceProcess.start({ dataDir, sandbox, name: 'corrupt#2', waitFor: 'live' });
    const ready = await pollUntil(
      'readiness to report the corruption',
      async () => {
        const answer = await second.request('GET', '/health/ready');
        return answer.body?.eventStore?.code === 'store_corrupt' ? answer : undefined;
      },
      20_000,
      50,
    );
    expect(ready.status).toBe(503);

    const answers: [string, HttpResult][] = [];
    const call = async (method: string, path: string, key: string, body?: unknown) =>
      answers.push([`${method} ${path}`, await second.request(method, path, { key, body })]);
    for (const orderId of orderIds.slice(0, 3)) {
      await call('GET', `/v1/payouts/${orderId}`, SERVICE_KEYS.bot);
      await call('GET', `/v1/audit/payouts/${orderId}/events`, SERVICE_KEYS.auditor);
      await call('PUT', `/v1/payouts/${orderId}/destination`, SERVICE_KEYS.bot, { destination: `x@${sandbox.addressDomain}` });
    }
    await call('GET', '/v1/audit/events', SERVICE_KEYS.auditor);
    await call('GET', '/v1/admin/payouts', SERVICE_KEYS.admin);
    await call('GET', '/v1/admin/stats', SERVICE_KEYS.admin);
    await call('GET', '/v1/admin/fallback-queue', SERVICE_KEYS.admin);
    await call('POST', '/v1/admin/fallback/sweep', SERVICE_KEYS.admin);
    answers.push(['POST /v1/payouts', await order(second, 'corrupt_new')]);

    for (const [route, answer] of answers) {
      expect({ route, status: answer.status }).not.toEqual({ route, status: 500 });
      if (answer.status >= 500) expect({ route, code: answer.body.code }).toEqual({ route, code: 'store_corrupt' });
    }
    // Whatever touches the event store is refused: no decision on a damaged ledger.
    expect(answers.filter(([route, answer]) => route.startsWith('GET /v1/audit') && answer.status === 503).length).toBeGreaterThan(0);
    expect(answers.find(([route]) => route === 'POST /v1/payouts')![1].status).toBe(503);
    expect((await second.request('GET', '/health/ready')).status).toBe(503);
    expect(alerts(second, 'store_corrupt')).toHaveLength(1);
    expect(second.output()).not.toMatch(/"statusCode":500/);
  });

  // Three service processes start in turn: slow while the run's other workers are busy.
  it('a full disk (RLIMIT_FSIZE): 503 store_unavailable and readiness 503; after the limit is lifted every acknowledged order completes', async () => {
    const dataDir = newDataDir('full');
    const first = await ServiceProcess.start({ dataDir, sandbox, name: 'full#1' });
    expect((await order(first, 'full_warmup')).status).toBe(201);
    await settled(first, 'full_warmup');
    await first.stop();
    const largest = Math.max(...['events.sqlite', 'events.sqlite-wal'].map((name) => sizeOf(join(dataDir, name))));

    // A little room above what exists: the first orders fit, then the WAL cannot grow.
    const limited = await ServiceProcess.start({
      dataDir,
      sandbox,
      name: 'full#2',
      fileSizeLimitBlocks: Math.ceil(largest / 1024) + 48,
    });
    const acknowledged: string[] = [];
    let refusal: HttpResult | null = null;
    for (let i = 0; i < 400 && refusal === null; i++) {
      const answer = await order(limited, `full_${i}`);
      if (answer.status === 201) acknowledged.push(`full_${i}`);
      else refusal = answer;
    }
    expect(refusal).not.toBeNull();
    expect(refusal!.status).toBe(503);
    expect(refusal!.body).toMatchObject({ statusCode: 503, code: 'store_unavailable' });
    const ready = await limited.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.eventStore).toMatchObject({ code: 'store_unavailable' });
    expect(alerts(limited, 'store_unavailable')).toHaveLength(1);
    expect(limited.output()).not.toMatch(/"statusCode":500/);
    expect(acknowledged.length).toBeGreaterThan(0);
    await limited.kill('SIGKILL');

    // Space returns: the same store, without the limit, completes every order it acknowledged.
    const restarted = await ServiceProcess.start({ dataDir, sandbox, name: 'full#3', env: { FALLBACK_CRON: '* * * * * *' } });
    for (const orderId of acknowledged) expect((await settled(restarted, orderId)).status).toBe('SETTLED');
    for (const orderId of acknowledged) expect(truthOf(sandbox, hashesOf(sandbox, { user: orderId })).paidMsat).toBe(1_000_000);
  }, 120_000);
});

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
