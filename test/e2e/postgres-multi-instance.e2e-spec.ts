import { Client } from 'pg';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { TestDatabase, createTestDatabase } from '../support/postgres/test-database';
import { makeTempDir } from '../support/temp-dir';
import { ServiceProcess, sleep, stopAllServiceProcesses } from '../support/service-process';
import {
  MixedOrder,
  dumpOnFailure,
  endToEndIdFor,
  faultFirstPostOfEachHash,
  hashesOf,
  mixedOrders,
  pollUntil,
  truthOf,
  within,
} from '../support/service-process-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * docs/architecture.md, "Multi-node": three service processes, each with its own EMPTY
 * DATA_DIR, share one PostgreSQL database and nothing else. They start together on
 * an empty database (the migrations race), the bot sends every order to all three at
 * once, every first payment POST meets a Cloudflare 520 (outcome unknown), and all
 * three sweep at the same time until every order settles. Then the instance holding
 * the projection lease and the one delivering a webhook are SIGKILLed, and a fourth
 * instance with an empty DATA_DIR joins: the ledger, the read models and the webhook
 * outbox are all in the database, so nothing is lost and nothing is paid twice.
 */
const ORDERS = 24;
const GRACE_MS = 2_500;
const SECRET = 'multi-instance-webhook-secret';
const ENV = {
  EVENT_STORE: 'postgres',
  DATABASE_POOL_SIZE: '6',
  VOLTZ_TIMEOUT_MS: '1000',
  PAYMENT_RETRY_BASE_MS: '20',
  PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
  FALLBACK_CRON: '0 0 1 1 *',
  // Every order's first POST is faulted on purpose: with the breaker on, that would be a Voltz incident.
  VOLTZ_BREAKER_THRESHOLD: '1000',
};

describe('Three instances on one PostgreSQL database, no local state', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let bot: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const dirs = Array.from({ length: 4 }, (_, i) => makeTempDir(`pll-pg-${i}`));
  let orders: MixedOrder[] = [];

  const start = (index: number) =>
    ServiceProcess.start({
      dataDir: dirs[index].path,
      sandbox,
      name: `pg-${'ABCD'[index]}`,
      env: { ...ENV, DATABASE_URL: database.url, BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET },
      readyTimeoutMs: 45_000,
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
    database = await createTestDatabase('multi');
    bot = await WebhookReceiver.start(SECRET);
    // All three at once on an empty database: each runs the migrations, one at a time under the advisory lock.
    services.push(...(await Promise.all([0, 1, 2].map(start))));
  }, 90_000);

  afterAll(async () => {
    await stopAllServiceProcesses();
    await bot?.close();
    await sandbox?.close();
    await database?.drop();
    for (const dir of dirs) dir.remove();
  });

  it(
    'pays every order exactly once while the bot and the sweeps race across the instances',
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          orders = mixedOrders(sandbox, 'pg', ORDERS, 211);
          const { lastFaultAt } = faultFirstPostOfEachHash(sandbox, ORDERS);

          // The bot retries each order on every instance at once (a load balancer and impatient retries).
          const answers = await Promise.all(
            orders.map((o) =>
              Promise.all(
                services.map((service) =>
                  service.confirm({
                    orderId: o.orderId,
                    endToEndId: endToEndIdFor(o.orderId),
                    amountSats: o.amountSats,
                    destination: o.destination,
                  }),
                ),
              ),
            ),
          );
          for (const [i, perInstance] of answers.entries()) {
            const statuses = perInstance.map((r) => r.status);
            expect({ order: orders[i].orderId, statuses: statuses.filter((s) => s !== 200 && s !== 201) }).toEqual({
              order: orders[i].orderId,
              statuses: [],
            });
            expect({ order: orders[i].orderId, created: statuses.filter((s) => s === 201).length }).toEqual({
              order: orders[i].orderId,
              created: 1,
            });
          }

          await pollUntil(
            `all ${ORDERS} orders in the fallback view`,
            async () => {
              const items = await services[0].fallbackQueue();
              return items.length === ORDERS && items.every((item) => item.status === 'RETRY_QUEUED') ? items : undefined;
            },
            // Three service processes on a machine whose other test workers are busy too: a bound, not a speed.
            90_000,
          );
          for (const service of services.slice(1)) {
            expect((await service.fallbackQueue()).map((i) => i.orderId).sort()).toEqual(orders.map((o) => o.orderId).sort());
          }
          for (const o of orders) expect(truthOf(sandbox, hashesOf(sandbox, o)).payments).toEqual([]);

          // Past the grace period a 404 means "never happened": the three sweeps race to re-send.
          await sleep(Math.max(0, lastFaultAt() + GRACE_MS + 200 - Date.now()));
          const deadline = Date.now() + 40_000;
          let statuses: string[] = [];
          while (Date.now() < deadline) {
            await Promise.all(services.map((service) => service.sweep()));
            statuses = await Promise.all(orders.map(async (o) => (await services[0].getPayout(o.orderId)).body.status as string));
            if (statuses.every((s) => s === 'SETTLED')) break;
            await sleep(100);
          }
          expect(statuses).toEqual(orders.map(() => 'SETTLED'));

          for (const o of orders) {
            const truth = truthOf(sandbox, hashesOf(sandbox, o));
            expect({ order: o.orderId, succeeded: truth.succeeded.length, paidMsat: truth.paidMsat, posts: truth.posts }).toEqual({
              order: o.orderId,
              succeeded: 1,
              paidMsat: o.amountSats * 1000,
              // The 520, then ONE re-send of the same invoice: never one per instance.
              posts: 2,
            });
          }

          // Every instance serves the same read model from the shared tables.
          const views = await Promise.all(
            services.map((service) =>
              pollUntil(
                `${service.name}'s payouts list to show every order SETTLED`,
                async () => {
                  const items = await service.listPayouts();
                  return items.length === ORDERS && items.every((p) => p.status === 'SETTLED') ? items : undefined;
                },
                15_000,
              ),
            ),
          );
          const comparable = (items: any[]) => items.map((p) => `${p.orderId}:${p.status}:${p.paymentHash}:${p.attempts}`).sort();
          expect(comparable(views[1])).toEqual(comparable(views[0]));
          expect(comparable(views[2])).toEqual(comparable(views[0]));

          // Every settled order's webhook reached the bot, once per delivery id.
          await within(
            bot.waitFor((w) => w.body.type === 'payout.settled', ORDERS),
            30_000,
            'every payout.settled webhook',
          );
          const settledIds = bot.requests((w) => w.body.type === 'payout.settled' && w.signatureValid).map((w) => w.body.id);
          expect(new Set(bot.requests((w) => w.body.type === 'payout.settled').map((w) => w.body.orderId)).size).toBe(ORDERS);
          expect(settledIds.length).toBe(new Set(settledIds).size);
        },
      ),
    180_000,
  );

  it(
    'survives the SIGKILL of the projection lease holder and of the instance delivering a webhook; a fresh instance sees everything',
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          // The bot holds its answer: the delivering instance is the one whose lease is on the outbox row.
          bot.policy = (webhook) => (webhook.body.orderId === 'pg_late' ? 'hang' : 200);
          const late = mintInvoice({ network: 'regtest', amountMsat: 4_321_000 });
          const created = await services[1].confirm({
            orderId: 'pg_late',
            endToEndId: endToEndIdFor('pg_late'),
            amountSats: 4_321,
            destination: late.bolt11,
          });
          expect(created.status).toBe(201);
          await pollUntil(
            'pg_late to settle',
            async () => ((await services[1].getPayout('pg_late')).body.status === 'SETTLED' ? true : undefined),
            15_000,
          );
          const owner = await pollUntil('the claimed delivery of pg_late', () => leaseOwnerPid(database.url, 'pg_late'), 15_000);
          const deliverer = services.find((service) => service.pid === owner);
          expect(deliverer).toBeDefined();
          const holder = await pollUntil('the projection lease holder', () => projectionLeaseHolder(services), 15_000);

          bot.policy = () => 200;
          await deliverer!.kill('SIGKILL');
          if (holder !== deliverer) await holder.kill('SIGKILL');
          const survivors = services.filter((service) => service.running);
          expect(survivors.length).toBeGreaterThanOrEqual(1);

          // The delivery is taken over and reaches the bot, signed, with the same id.
          const [redelivered] = await within(
            bot.waitFor((w) => w.body.orderId === 'pg_late' && w.body.type === 'payout.settled' && w.answer === 200),
            60_000,
            'the webhook of pg_late after its deliverer was killed',
          );
          expect(redelivered.signatureValid).toBe(true);

          // A survivor takes the projection lease: a new order shows in the read model without the killed holder.
          const next = mintInvoice({ network: 'regtest', amountMsat: 1_234_000 });
          expect(
            (
              await survivors[0].confirm({
                orderId: 'pg_after',
                endToEndId: endToEndIdFor('pg_after'),
                amountSats: 1_234,
                destination: next.bolt11,
              })
            ).status,
          ).toBe(201);
          await pollUntil(
            'pg_after to be SETTLED in the shared read model',
            async () => ((await survivors[0].listPayouts('SETTLED')).some((p) => p.orderId === 'pg_after') ? true : undefined),
            20_000,
          );

          // A fourth instance with an empty DATA_DIR sees the whole ledger.
          const fresh = await start(3);
          services.push(fresh);
          const all = await fresh.listPayouts();
          expect(
            all
              .filter((p) => p.status === 'SETTLED')
              .map((p) => p.orderId)
              .sort(),
          ).toEqual([...orders.map((o) => o.orderId), 'pg_after', 'pg_late'].sort());
          expect(await fresh.auditEvents('pg_0')).toEqual(await survivors[0].auditEvents('pg_0'));
          const ready = await fresh.request('GET', '/health/ready');
          expect(ready.status).toBe(200);
        },
      ),
    150_000,
  );
});

/** The pid in the lease owner of the order's pending delivery (owners are `host:pid:uuid`), once one claimed it. */
async function leaseOwnerPid(url: string, orderId: string): Promise<number | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ lease_owner: string | null }>(
      "SELECT lease_owner FROM webhook_outbox WHERE order_id = $1 AND state = 'pending' AND lease_owner IS NOT NULL",
      [orderId],
    );
    const owner = rows[0]?.lease_owner;
    return owner ? Number(owner.split(':')[1]) : undefined;
  } finally {
    await client.end();
  }
}

/** The instance whose readiness report says it holds the projection lease. */
async function projectionLeaseHolder(services: ServiceProcess[]): Promise<ServiceProcess | undefined> {
  for (const service of services) {
    if (!service.running) continue;
    const ready = await service.request('GET', '/health/ready');
    if (ready.body?.projections?.lease === 'held') return service;
  }
  return undefined;
}
