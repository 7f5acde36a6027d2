import { Client, Pool, PoolClient } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';
import { T0, ev } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { READ_MODEL_SETTINGS, envelope } from '../../../test/support/read-model-fixtures';
import { StoreWithReadModel, openStoreWithReadModel } from '../../../test/support/store-with-read-model';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres/test-database';
import { LogFollower } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { PostgresFollowerStorage } from '../log-follower/postgres-follower-storage';
import { PostgresAdminStatsProjection } from '../projections/postgres-admin-stats.projection';
import { PostgresPayoutReadModel } from '../projections/postgres-payout-read-model';
import { PostgresPayoutsProjection } from '../projections/postgres-payouts.projection';
import { PostgresProjectionStorage } from '../projections/postgres-projection-storage';
import { ProjectionRunner } from '../projections/projection-runner';
import { ProjectionStorage } from '../projections/projection-storage';
import { PostgresApplyLease } from './postgres-apply-lease';
import { migratePostgres } from './postgres-migrations';
import { createPostgresPool } from './postgres-pool';

const clock = { now: () => new Date(T0) };
const random = { next: () => 0.5 };

/** Two instances on one database: each with its own pool, as two processes would have. */
describe('PostgreSQL followers shared by instances (a SQLite log)', () => {
  let fixture: StoreWithReadModel;
  let database: TestDatabase;
  const pools: Pool[] = [];
  const openPool = () => {
    const pool = createPostgresPool({ url: database.url, size: 4 });
    pools.push(pool);
    return pool;
  };

  beforeEach(async () => {
    fixture = openStoreWithReadModel(clock, 'pll-shared-followers');
    database = await createTestDatabase('shared_followers');
    await migratePostgres(database.url);
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await database.drop();
    await fixture.close();
  });

  const appendOrders = async (from: number, count: number): Promise<string> => {
    let position = '';
    for (let n = from; n < from + count; n++) {
      const orderId = `ord_lease_${n}`;
      const events = [ev.pixConfirmed({ orderId, amountSats: 1_000 + n }), ev.addressSubmitted()].map(envelope);
      position = (await fixture.store.append(payoutStreamName(orderId), events, 'no_stream')).position;
    }
    return position;
  };

  it('never applies an event twice or skips one when two followers race on one checkpoint', async () => {
    await (await openPool()).query('CREATE TABLE seen (event_id text NOT NULL, follower text NOT NULL)');
    for (let chunk = 0; chunk < 20; chunk++)
      await fixture.store.append(
        `numbers-${chunk}`,
        Array.from({ length: 30 }, (_, n) => envelope({ type: 'Numbered', data: { n } })),
        'no_stream',
      );
    const head = (await fixture.store.headPosition())!;
    const followers = ['a', 'b'].map(
      (who) =>
        new LogFollower<PoolClient>({
          name: 'race',
          store: fixture.store,
          storage: new PostgresFollowerStorage(openPool()),
          clock,
          random: () => 0.5,
          maxBatchSize: 7,
          batchWindowMs: 1,
          handler: {
            prepare: () => ({
              apply: async (events: readonly StoredEvent[], client: PoolClient) => {
                await client.query('INSERT INTO seen (event_id, follower) SELECT unnest($1::text[]), $2', [events.map((e) => e.id), who]);
              },
            }),
          },
        }),
    );
    // Both start from the same empty checkpoint and read the same batches at the same time.
    await Promise.all(followers.map((follower) => follower.start()));
    await Promise.all(followers.map((follower) => follower.waitFor(head)));
    await Promise.all(followers.map((follower) => follower.stop()));

    const { rows } = await pools[0].query<{ total: string; distinct_ids: string }>(
      'SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_ids FROM seen',
    );
    expect(rows[0]).toEqual({ total: '600', distinct_ids: '600' });
    const checkpoint = await pools[0].query('SELECT position FROM log_checkpoints WHERE name = $1', ['race']);
    expect(checkpoint.rows).toEqual([{ position: head }]);
  });

  it('lets one instance apply at a time; when its lease connection dies another takes over and the rows are complete', async () => {
    const applied = { a: 0, b: 0 };
    const instance = (name: 'a' | 'b', intervalMs: number) => {
      const pool = openPool();
      const inner = new PostgresProjectionStorage(pool, [
        new PostgresPayoutsProjection(READ_MODEL_SETTINGS),
        new PostgresAdminStatsProjection(),
      ]);
      const storage: ProjectionStorage<PoolClient> = {
        followers: inner.followers,
        tables: inner.tables,
        apply: (events, client) => {
          applied[name] += events.length;
          return inner.apply(events, client);
        },
        reset: () => inner.reset(),
      };
      const lease = new PostgresApplyLease({ url: database.url, intervalMs });
      const runner = new ProjectionRunner(fixture.store, storage, lease, new LogFollowers(), clock, random);
      return { lease, runner, payouts: new PostgresPayoutReadModel(pool) };
    };
    const heldChange = (lease: PostgresApplyLease, held: boolean) =>
      new Promise<void>((resolve) => lease.onChange((now) => now === held && resolve()));
    // The holder would retry only after a minute: its takeover by the other is what this case watches.
    const a = instance('a', 60_000);
    const b = instance('b', 100);
    const instances = [a, b];
    try {
      for (const { runner } of instances) await runner.onApplicationBootstrap();
      await a.lease.start();
      await b.lease.start();
      expect([a.lease.held, b.lease.held]).toEqual([true, false]);

      const first = await appendOrders(0, 20);
      await Promise.all(instances.map(({ runner }) => runner.waitFor(first)));
      expect(applied).toEqual({ a: 40, b: 0 });
      // The instance that does not apply reads what the other applied, and is not behind.
      expect((await b.payouts.list({ limit: 100 })).items).toHaveLength(20);
      expect(b.runner.follower.status(first)).toMatchObject({ position: first, behindForMs: 0, retries: 0 });

      const aLost = heldChange(a.lease, false);
      const bTook = heldChange(b.lease, true);
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        expect(rows).toEqual([{ ended: true }]);
      } finally {
        await admin.end();
      }
      await aLost;
      await bTook;
      expect([a.lease.held, b.lease.held]).toEqual([false, true]);

      const second = await appendOrders(20, 15);
      await Promise.all(instances.map(({ runner }) => runner.waitFor(second)));
      expect(applied).toEqual({ a: 40, b: 30 });
      for (const { payouts } of instances) expect((await payouts.list({ limit: 100 })).items).toHaveLength(35);
    } finally {
      for (const { lease } of instances) await lease.stop();
      for (const { runner } of instances) await runner.onApplicationShutdown();
    }
  });
});
