import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PostgresServer } from '../support/postgres/postgres-server';
import { makeTempDir } from '../support/temp-dir';
import {
  HttpResult,
  SERVICE_KEYS,
  ServiceProcess,
  ServiceUnreachableError,
  sleep,
  stopAllServiceProcesses,
} from '../support/service-process';
import { dumpOnFailure, endToEndIdFor, pollUntil, truthOf } from '../support/service-process-fixtures';

/**
 * docs/architecture.md, "Multi-node", failure behaviour: the database is stopped in the
 * middle of a burst of orders and started again. Meanwhile requests that need it
 * get 503 with a code (never 500), readiness is 503, both instances stay up, and
 * once the database is back they resume on their own: every order the bot saw
 * acknowledged (200/201) is paid exactly once.
 */
const ORDERS = 40;
const ENV = {
  EVENT_STORE: 'postgres',
  DATABASE_POOL_SIZE: '5',
  VOLTZ_TIMEOUT_MS: '1000',
  PAYMENT_RETRY_BASE_MS: '20',
  PAYMENT_NOT_FOUND_GRACE_MS: '1000',
  // The sweep revisits what an outage left half-done (a payment whose outcome could not be recorded).
  FALLBACK_CRON: '* * * * * *',
};

describe('PostgreSQL stopped and restarted mid-burst', () => {
  let sandbox: Sandbox;
  let server: PostgresServer;
  const services: ServiceProcess[] = [];
  const pgDir = makeTempDir('pll-pg-outage');
  const dirs = [makeTempDir('pll-outage-a'), makeTempDir('pll-outage-b')];

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
    server = await PostgresServer.start(pgDir.path);
    for (const [i, dir] of dirs.entries()) {
      services.push(
        await ServiceProcess.start({
          dataDir: dir.path,
          sandbox,
          name: `outage-${'AB'[i]}`,
          env: { ...ENV, DATABASE_URL: server.databaseUrl() },
          readyTimeoutMs: 45_000,
        }),
      );
    }
  }, 90_000);

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    await server?.stop();
    pgDir.remove();
    for (const dir of dirs) dir.remove();
  });

  it(
    'answers 503 with a code while the database is down and loses no acknowledged order',
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          const orders = Array.from({ length: ORDERS }, (_, i) => {
            const amountSats = 2_000 + 17 * i;
            const invoice = mintInvoice({ network: 'regtest', amountMsat: amountSats * 1000 });
            return { orderId: `outage_${i}`, amountSats, destination: invoice.bolt11, paymentHash: invoice.paymentHash };
          });
          const acknowledged = new Set<string>();
          const seen: number[] = [];
          const outageAnswers: HttpResult[] = [];
          let down = false;
          let cursor = 0;

          const submit = async (order: (typeof orders)[number], submitter: number) => {
            for (;;) {
              const service = services[(submitter + cursor) % services.length];
              try {
                const res = await service.confirm({
                  orderId: order.orderId,
                  endToEndId: endToEndIdFor(order.orderId),
                  amountSats: order.amountSats,
                  destination: order.destination,
                });
                seen.push(res.status);
                if (down && res.status >= 500) outageAnswers.push(res);
                if (res.status === 200 || res.status === 201) {
                  acknowledged.add(order.orderId);
                  return;
                }
                if (res.status !== 503) throw new Error(`${order.orderId}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
              } catch (error) {
                if (!(error instanceof ServiceUnreachableError)) throw error;
              }
              await sleep(100);
            }
          };
          const burst = Promise.all(
            Array.from({ length: 4 }, async (_, submitter) => {
              while (cursor < orders.length) await submit(orders[cursor++], submitter);
            }),
          );

          await pollUntil('a third of the burst acknowledged', () => (acknowledged.size >= ORDERS / 3 ? true : undefined), 30_000, 20);
          await server.stop();
          down = true;
          // While it is down: readiness 503 on every instance, reads 503 with a code, the processes stay up.
          for (const service of services) {
            const ready = await pollUntil(
              `${service.name} readiness to turn 503`,
              async () => {
                const res = await service.request('GET', '/health/ready');
                return res.status === 503 ? res : undefined;
              },
              15_000,
            );
            expect(ready.status).toBe(503);
            const read = await service.getPayout(orders[0].orderId);
            expect({ status: read.status, code: read.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
            const list = await service.request('GET', '/v1/admin/payouts?limit=5', { key: SERVICE_KEYS.admin });
            expect({ status: list.status, code: list.body.code }).toEqual({ status: 503, code: 'store_unavailable' });
          }
          await sleep(1_500);
          await server.restart();
          down = false;
          await burst;

          expect(services.every((service) => service.running)).toBe(true);
          expect(seen.filter((status) => status >= 500 && status !== 503)).toEqual([]);
          for (const res of outageAnswers) expect(res.body.code).toMatch(/^store_/);
          expect(acknowledged.size).toBe(ORDERS);

          for (const service of services) {
            await pollUntil(
              `${service.name} ready again`,
              async () => ((await service.request('GET', '/health/ready')).status === 200 ? true : undefined),
              20_000,
            );
          }
          await pollUntil(
            'every acknowledged order SETTLED',
            async () => {
              const statuses = await Promise.all(orders.map(async (o) => (await services[0].getPayout(o.orderId)).body.status as string));
              return statuses.every((s) => s === 'SETTLED') ? true : undefined;
            },
            45_000,
            250,
          );
          for (const o of orders) {
            const truth = truthOf(sandbox, [o.paymentHash]);
            expect({ order: o.orderId, succeeded: truth.succeeded.length, paidMsat: truth.paidMsat }).toEqual({
              order: o.orderId,
              succeeded: 1,
              paidMsat: o.amountSats * 1000,
            });
          }
        },
      ),
    150_000,
  );
});
