import { Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { join } from 'path';
import { Client, Pool, PoolClient } from 'pg';
import { EventToAppend, StoredEvent } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { ORDER_ID, ev } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { createPostgresPool } from '../postgres/postgres-pool';
import { migratePostgres } from '../postgres/postgres-migrations';
import { PostgresWebhookOutbox } from './postgres-webhook-outbox';
import { WebhookOutboxFeeder } from './webhook-outbox-feeder';
import { WebhookDispatcher } from './webhook-dispatcher';
import { NewDelivery } from './webhook-outbox.port';
import { CuttableTcpProxy } from '../../../test/support/cuttable-tcp-proxy';
import { TestDatabase, createTestDatabase, testPostgresUrl } from '../../../test/support/postgres/test-database';
import { TestClock } from '../../../test/support/test-clock';
import { makeTempDir } from '../../../test/support/temp-dir';
import { until } from '../../../test/support/until';
import { WebhookReceiver } from '../../../test/support/webhook-receiver';
import { dispatcherTestOptions, newDelivery } from '../../../test/support/webhook-outbox-instances';

const T0 = new Date('2025-07-09T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

/** What only PostgreSQL has: claims racing across connections, the follower's transaction, the database going away. */
describe('PostgresWebhookOutbox (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let outbox: PostgresWebhookOutbox;

  /** Inserts as the follower does: in a transaction, on its client. */
  const insert = async (deliveries: NewDelivery[], now: Date) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await outbox.insert(client, deliveries, now);
      await client.query('COMMIT');
      return inserted;
    } finally {
      client.release();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('pll_pg_outbox');
    await migratePostgres(database.url);
    pool = createPostgresPool({ url: database.url, size: 4 });
    outbox = new PostgresWebhookOutbox(pool);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });
  beforeEach(() => pool.query('TRUNCATE webhook_outbox RESTART IDENTITY'));

  it('skips an order another instance is claiming instead of leasing a second row of it', async () => {
    const poolA = createPostgresPool({ url: database.url, size: 2, applicationName: 'claimer-a' });
    const poolB = createPostgresPool({ url: database.url, size: 2, applicationName: 'claimer-b' });
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    try {
      const a = new PostgresWebhookOutbox(poolA);
      const b = new PostgresWebhookOutbox(poolB);
      // x failed once and is due again at +100 ms.
      await insert([newDelivery('x', 'o1', 1)], T0);
      await outbox.claimDue(T0, 1, LEASE, 'setup', new Set());
      const failure = { deliveryId: 'x', owner: 'setup', attempts: 1, firstAttemptAt: T0.toISOString(), attemptedAt: T0.toISOString() };
      expect(await outbox.markRetry({ ...failure, httpStatus: 500, error: 'HTTP 500' }, at(100))).toBe(true);

      // Someone holds x's row for a moment (another instance recording an outcome): a's claim of x stalls mid-way.
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM webhook_outbox WHERE delivery_id = 'x' FOR UPDATE`);
      const claimOfA = a.claimDue(at(200), 10, LEASE, 'A', new Set());
      await until('a waits on the row', async () => {
        const { rows } = await pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'claimer-a' AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0;
      });
      // Meanwhile a newer row of o1 comes in, due before x: for b it is the order's first due row.
      await insert([newDelivery('y', 'o1', 2)], at(50));
      expect(await b.claimDue(at(200), 10, LEASE, 'B', new Set())).toEqual([]);

      await holder.query('COMMIT');
      expect((await claimOfA).map((row) => row.deliveryId)).toEqual(['x']);
      expect(await outbox.get('y')).toMatchObject({ state: 'pending', leaseOwner: null });
      // Once x is done, y is next, for whoever asks.
      await outbox.markDelivered({ ...failure, owner: 'A', attempts: 2, httpStatus: 200, error: null });
      expect((await b.claimDue(at(300), 10, LEASE, 'B', new Set())).map((row) => row.deliveryId)).toEqual(['y']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });

  describe('fed in the follower transaction (WebhookOutboxFeeder on PostgreSQL)', () => {
    const clock = { now: () => T0 };
    let dir: ReturnType<typeof makeTempDir>;
    let store: SqliteEventStore;
    let events: StoredEvent[];

    beforeAll(async () => {
      dir = makeTempDir('pll-pg-feeder');
      store = new SqliteEventStore({ filename: join(dir.path, 'events.sqlite'), clock, pollIntervalMs: 20 });
      const envelope = (event: PayoutEvent): EventToAppend => ({
        id: randomUUID(),
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        metadata: { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1 },
      });
      await store.append(payoutStreamName(ORDER_ID), [ev.pixConfirmed(), ev.escalated(), ev.cancelled()].map(envelope), 'no_stream');
      events = [];
      for await (const event of store.readAll()) events.push(event);
    });
    afterAll(async () => {
      await store.close();
      dir.remove();
    });

    const feed = async (batch: StoredEvent[], fresh: StoredEvent[], outcome: 'COMMIT' | 'ROLLBACK') => {
      let woken = 0;
      const feeder = new WebhookOutboxFeeder<PoolClient>(
        new PayoutRepository(store, { next: () => randomUUID() }),
        (client, deliveries, now) => outbox.insert(client, deliveries, now),
        clock,
        () => woken++,
      );
      const writes = await feeder.prepare(batch);
      const before = await outbox.forOrder(ORDER_ID);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await writes.apply(fresh, client);
        // Nothing is visible outside the transaction before it commits.
        expect(await outbox.forOrder(ORDER_ID)).toEqual(before);
        await client.query(outcome);
      } finally {
        client.release();
      }
      if (outcome === 'COMMIT') writes.afterCommit?.();
      return woken;
    };
    const rowsOfOrder = async () => (await outbox.forOrder(ORDER_ID)).map((row) => [row.deliveryId, row.type]);

    it('inserts the rows of the fresh part of the batch on the transaction client, and wakes the dispatcher after the commit', async () => {
      expect(await feed(events, events.slice(2), 'COMMIT')).toBe(1);
      expect((await outbox.forOrder(ORDER_ID)).map((row) => [row.deliveryId, row.type, row.enqueuedAt])).toEqual([
        [events[2].id, 'payout.cancelled', T0.toISOString()],
      ]);
    });

    it('leaves nothing behind when the transaction rolls back, and a replayed batch adds nothing twice', async () => {
      await feed(events, events, 'ROLLBACK');
      expect(await rowsOfOrder()).toEqual([]);
      expect(await feed(events, events, 'COMMIT')).toBe(1);
      const expected = [
        [events[1].id, 'payout.needs_attention'],
        [events[2].id, 'payout.cancelled'],
      ];
      expect(await rowsOfOrder()).toEqual(expected);
      expect(await feed(events, events, 'COMMIT')).toBe(0);
      expect(await rowsOfOrder()).toEqual(expected);
    });
  });

  describe('a dispatcher whose database goes away mid-delivery', () => {
    const SECRET = 'whsec_outage_0123456789';
    let proxy: CuttableTcpProxy;
    let proxiedPool: Pool;
    let bot: WebhookReceiver;
    let dir: ReturnType<typeof makeTempDir>;
    let store: SqliteEventStore;
    let dispatcher: WebhookDispatcher | null = null;
    const logged: { level: string; text: string }[] = [];
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    const waitForLog = (pattern: RegExp) =>
      logged.some((line) => pattern.test(line.text))
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ pattern, resolve }));
    const capture =
      (level: string) =>
      (message: unknown, ..._context: unknown[]) => {
        const text = String(message);
        logged.push({ level, text });
        for (const waiter of waiters.filter((w) => w.pattern.test(text))) waiter.resolve();
      };

    beforeAll(async () => {
      const server = new URL(testPostgresUrl());
      proxy = await CuttableTcpProxy.start({ host: server.hostname, port: Number(server.port) });
      proxiedPool = createPostgresPool({ url: proxy.rewrite(database.url), size: 4, applicationName: 'behind-proxy' });
      bot = await WebhookReceiver.start(SECRET);
      dir = makeTempDir('pll-pg-outage');
    });
    afterAll(async () => {
      await dispatcher?.stop();
      await store?.close();
      await proxiedPool.end();
      await proxy.close();
      await bot.close();
      dir.remove();
    });
    beforeEach(() => {
      for (const level of ['warn', 'error', 'log'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(capture(level));
    });
    afterEach(() => jest.restoreAllMocks());

    it('logs, backs off and records the delivery once the database is back: sent once, nothing lost, then carries on', async () => {
      const clock = new TestClock();
      store = new SqliteEventStore({ filename: join(dir.path, 'events.sqlite'), clock, pollIntervalMs: 20 });
      const options = dispatcherTestOptions(bot.url, SECRET, LEASE);
      dispatcher = new WebhookDispatcher(options, new PostgresWebhookOutbox(proxiedPool), store, clock);
      // The bot has it, and at that very moment the database becomes unreachable.
      bot.policy = (webhook) => {
        if (webhook.body.id === 'd1') proxy.cut();
        return 200;
      };
      dispatcher.start();
      await insert([newDelivery('d1', 'o1', 1)], clock.now());
      dispatcher.wake();

      await waitForLog(/^Webhook d1: delivery not recorded yet \(retrying in \d+ ms\): /);
      await waitForLog(/^Webhook delivery loop failed; retrying in 50 ms: /);
      expect(await outbox.get('d1')).toMatchObject({ state: 'pending', leaseOwner: expect.any(String) });
      proxy.restore();

      await until('d1 recorded and audited', async () => (await outbox.get('d1'))?.audited === true);
      expect(await outbox.get('d1')).toMatchObject({ state: 'delivered', attempts: 1, lastHttpStatus: 200, leaseOwner: null });
      // The next one goes out as usual.
      await insert([newDelivery('d2', 'o1', 2)], clock.now());
      dispatcher.wake();
      await bot.next('o1', 'payout.settled').then(() => bot.waitFor((webhook) => webhook.body.id === 'd2'));
      expect(bot.requests().map((webhook) => webhook.body.id)).toEqual(['d1', 'd2']);
      expect(
        logged.filter((line) => line.level === 'warn' && line.text.startsWith('Webhook d1: delivery not recorded yet')).length,
      ).toBeGreaterThan(0);
    });
  });
});
