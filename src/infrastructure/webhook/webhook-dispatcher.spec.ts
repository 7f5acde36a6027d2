import { Logger } from '@nestjs/common';
import { join } from 'path';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { WebhookDispatcher } from './webhook-dispatcher';
import { NewDelivery } from './webhook-outbox.port';
import { TestClock } from '../../../test/support/test-clock';
import { makeTempDir } from '../../../test/support/temp-dir';
import { until } from '../../../test/support/until';
import { WebhookReceiver } from '../../../test/support/webhook-receiver';
import { OUTBOX_STORAGES, OutboxInstances, dispatcherTestOptions, newDelivery } from '../../../test/support/webhook-outbox-instances';

const SECRET = 'whsec_dispatcher_0123456789';
const LEASE = 30_000;

/** Each case on both storages: a dispatcher per instance, sending to one real bot endpoint on 127.0.0.1. */
describe.each(OUTBOX_STORAGES)('WebhookDispatcher on two instances ($name outbox, real HTTP receiver)', (storage) => {
  let instances: OutboxInstances;
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let bot: WebhookReceiver;
  let clock: TestClock;
  let dispatchers: WebhookDispatcher[];

  // The instance in the query lets the test see who sent what.
  const options = (instance: string) => dispatcherTestOptions(`${bot.url}&instance=${instance}`, SECRET, LEASE);
  const senderOf = (path: string) => new URL(path, 'http://x').searchParams.get('instance');
  const allAudited = async (count: number) => {
    const rows = await instances.a.unaudited(count);
    return rows.length === 0;
  };

  beforeAll(async () => {
    instances = await storage.open();
    dir = makeTempDir('pll-dispatcher');
  });
  afterAll(async () => {
    await instances.close();
    dir.remove();
  });
  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await instances.reset();
    clock = new TestClock();
    store = new SqliteEventStore({ filename: join(dir.path, `events-${Date.now()}-${Math.random()}.sqlite`), clock, pollIntervalMs: 20 });
    bot = await WebhookReceiver.start(SECRET);
    dispatchers = [];
  });
  afterEach(async () => {
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    await bot.close();
    await store.close();
    jest.restoreAllMocks();
    expect(bot.requests((webhook) => !webhook.signatureValid)).toEqual([]);
  });

  const startDispatcher = (instance: 'a' | 'b') => {
    const dispatcher = new WebhookDispatcher(options(instance), instances[instance], store, clock);
    dispatchers.push(dispatcher);
    dispatcher.start();
    return dispatcher;
  };

  it('sends each delivery exactly once across both instances, each order in enqueue order, and audits each once', async () => {
    const ORDERS = 24;
    const PER_ORDER = 3;
    const batch: NewDelivery[] = [];
    for (let n = 0; n < PER_ORDER; n++) {
      for (let o = 0; o < ORDERS; o++) batch.push(newDelivery(`o${o}-${n}`, `o${o}`, batch.length + 1));
    }
    const a = startDispatcher('a');
    const b = startDispatcher('b');
    await instances.insert(batch, clock.now());
    // As the feeder does after its commit; b hears of the rows too (in production: its poll or its own feed).
    a.wake();
    b.wake();

    await bot.waitFor(() => true, batch.length);
    await until('every delivery audited', () => allAudited(batch.length));
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));

    const received = bot.requests();
    expect(received.map((webhook) => webhook.body.id).sort()).toEqual(batch.map((d) => d.deliveryId).sort());
    for (let o = 0; o < ORDERS; o++) {
      const ofOrder = received.filter((webhook) => webhook.body.orderId === `o${o}`).map((webhook) => webhook.body.id);
      expect(ofOrder).toEqual(Array.from({ length: PER_ORDER }, (_, n) => `o${o}-${n}`));
    }
    expect(new Set(received.map((webhook) => senderOf(webhook.path)))).toEqual(new Set(['a', 'b']));
    for (const { deliveryId, orderId } of batch) {
      expect(await instances.b.get(deliveryId)).toMatchObject({ state: 'delivered', attempts: 1, lastHttpStatus: 200, audited: true });
      const audit = [];
      for await (const event of store.readStream(`webhook-${orderId}`)) audit.push(event);
      expect(audit.filter((event) => (event.data as { deliveryId: string }).deliveryId === deliveryId)).toHaveLength(1);
    }
  });

  it("takes over a crashed instance's claim once its lease expires, and sends it once", async () => {
    await instances.insert([newDelivery('d1', 'o1', 1), newDelivery('d2', 'o1', 2)], clock.now());
    // Instance a claimed d1, then died before sending it.
    expect((await instances.a.claimDue(clock.now(), 10, LEASE, 'crashed-a', new Set())).map((row) => row.deliveryId)).toEqual(['d1']);
    const b = startDispatcher('b');
    await instances.insert([newDelivery('other', 'o2', 3)], clock.now());
    b.wake();
    // b is at work (it sent another order's row), but nothing of o1 goes out while the dead instance's lease stands.
    await bot.next('o2', 'payout.settled');
    expect(bot.requests().map((webhook) => webhook.body.id)).toEqual(['other']);

    clock.advance(LEASE);
    b.wake();
    await bot.waitFor(() => true, 3);
    await until('all audited', () => allAudited(10));
    expect(bot.requests().map((webhook) => [webhook.body.id, senderOf(webhook.path)])).toEqual([
      ['other', 'b'],
      ['d1', 'b'],
      ['d2', 'b'],
    ]);
    expect(await instances.a.get('d1')).toMatchObject({ state: 'delivered', attempts: 1 });
  });
});
