import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { AdminStatsReadModel } from '../../application/ports/admin-stats.port';
import { StoredEvent } from '../../application/ports/event-store.port';
import { FallbackQueueReadModel } from '../../application/ports/fallback-queue.port';
import { PayoutListPage, PayoutOrder, PayoutReadModel } from '../../application/ports/payout-read-model.port';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { HOUR, MIN, T0, ev, invoice, iso } from '../../domain/payout/payout.fixtures';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { ALWAYS_HELD } from '../log-follower/apply-lease';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { LogFollowers } from '../log-follower/log-followers';
import { migratePostgres } from '../postgres/postgres-migrations';
import { createPostgresPool } from '../postgres/postgres-pool';
import { READ_MODEL_SETTINGS, envelope } from '../../../test/support/read-model-fixtures';
import { StoreWithReadModel, openStoreWithReadModel } from '../../../test/support/store-with-read-model';
import { TestDatabase, createTestDatabase } from '../../../test/support/postgres/test-database';
import { AdminStatsProjection } from './admin-stats.projection';
import { PayoutsProjection } from './payouts.projection';
import { PostgresAdminStats } from './postgres-admin-stats';
import { PostgresAdminStatsProjection } from './postgres-admin-stats.projection';
import { PostgresFallbackQueue } from './postgres-fallback-queue';
import { PostgresPayoutReadModel } from './postgres-payout-read-model';
import { PostgresPayoutsProjection } from './postgres-payouts.projection';
import { PostgresProjectionStorage } from './postgres-projection-storage';
import { PostgresReadModelBuilder } from './postgres-read-model-builder';
import { ReadModelBuilder, compareReadModels } from './read-model-builder';
import { copyLiveReadModels } from '../cli/postgres-ledger';
import { readTimings, recordPostgresTimings } from './recorded-timings';
import { payoutPolicy } from '../../application/payout-settings';
import { ProjectionRunner } from './projection-runner';
import { ProjectionStorage } from './projection-storage';
import { SqliteAdminStats } from './sqlite-admin-stats';
import { SqliteFallbackQueue } from './sqlite-fallback-queue';
import { SqlitePayoutReadModel } from './sqlite-payout-read-model';
import { SqliteProjectionStorage } from './sqlite-projection-storage';

const clock = { now: () => new Date(T0) };
const random = { next: () => 0.5 };

/** One storage of the read models with its readers, over a SQLite log the spec appends to. */
interface ReadSide {
  storage: ProjectionStorage<unknown>;
  payouts: PayoutReadModel;
  queue: FallbackQueueReadModel;
  stats(runner: ProjectionRunner): AdminStatsReadModel;
  /** Every row of a read-model table, by key, numbers as numbers: what two storages must agree on. */
  rows(table: string, key: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function openSqliteSide(fixture: StoreWithReadModel): Promise<ReadSide> {
  const { db } = fixture;
  const storage = new SqliteProjectionStorage(
    db,
    [new PayoutsProjection(READ_MODEL_SETTINGS), new AdminStatsProjection()],
    new LogCheckpoints(db),
  );
  return {
    storage,
    payouts: new SqlitePayoutReadModel(db),
    queue: new SqliteFallbackQueue(db),
    stats: (runner) => new SqliteAdminStats(db, fixture.store, runner),
    rows: async (table, key) => db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${key}`).all(),
    close: async () => undefined,
  };
}

async function openPostgresSide(fixture: StoreWithReadModel, database: TestDatabase): Promise<ReadSide> {
  await migratePostgres(database.url);
  const pool = createPostgresPool({ url: database.url, size: 4 });
  const storage = new PostgresProjectionStorage(pool, [
    new PostgresPayoutsProjection(READ_MODEL_SETTINGS),
    new PostgresAdminStatsProjection(),
  ]);
  return {
    storage,
    payouts: new PostgresPayoutReadModel(pool),
    queue: new PostgresFallbackQueue(pool),
    stats: (runner) => new PostgresAdminStats(pool, fixture.store, runner),
    rows: async (table, key) => (await pool.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows.map(numbersAsNumbers),
    close: () => pool.end(),
  };
}

/** PostgreSQL answers bigints as strings; SQLite as numbers. */
const numbersAsNumbers = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'order_id' ? Number(v) : v]),
  );

/**
 * Orders in the states the read models care about, each stream in pieces so
 * batches split orders: settled (out of the view, in the stats), unknown
 * outcome (in the view), retry queued (due later), a claim with no answer
 * that then gets a 520 and stays in the view, one waiting for its customer, and
 * one escalated and cleared within a batch (out of the view and back).
 */
function scenario(): { orderId: string; pieces: PayoutEvent[][] }[] {
  const order = (n: number) => `ord_rm_${n}`;
  const pix = (n: number, amountSats: number, atMs: number) => ev.pixConfirmed({ orderId: order(n), amountSats, confirmedAt: iso(atMs) });
  const inv = (n: number) => invoice(`rm${n}`, { expiresAt: iso(2 * HOUR) });
  const http520: PayoutEvent = {
    type: 'Payment520',
    data: {
      attempt: 1,
      paymentHash: inv(4).paymentHash,
      source: 'cloudflare',
      httpStatus: 520,
      detail: null,
      lnbitsStatus: null,
      cfRay: 'ray',
      receivedAt: iso(-20 * MIN),
    },
  };
  return [
    {
      orderId: order(1),
      pieces: [
        [pix(1, 21_000, -60 * MIN), ev.bolt11Submitted(inv(1), -59 * MIN)],
        [ev.attempted(inv(1), 1, -58 * MIN), ev.settled(inv(1), -57 * MIN)],
      ],
    },
    {
      orderId: order(2),
      pieces: [
        [pix(2, 5_000, -50 * MIN), ev.bolt11Submitted(inv(2), -49 * MIN), ev.attempted(inv(2), 1, -48 * MIN)],
        [ev.unknown(inv(2), -47 * MIN)],
      ],
    },
    {
      orderId: order(3),
      pieces: [[pix(3, 7_000, -40 * MIN), ev.bolt11Submitted(inv(3), -39 * MIN)], [ev.retryQueued('wallet down', 30 * MIN, -38 * MIN)]],
    },
    {
      orderId: order(4),
      pieces: [
        [pix(4, 9_000, -30 * MIN), ev.bolt11Submitted(inv(4), -29 * MIN), ev.attempted(inv(4), 1, -28 * MIN)],
        [http520, ev.unknown(inv(4), -19 * MIN)],
      ],
    },
    { orderId: order(5), pieces: [[pix(5, 3_000, -10 * MIN)]] },
    {
      orderId: order(6),
      pieces: [
        [pix(6, 4_000, -10 * MIN), ev.bolt11Submitted(inv(6), -9 * MIN)],
        [ev.escalated('stuck', -8 * MIN), ev.escalationCleared(-7 * MIN)],
      ],
    },
  ];
}

/** Commits `events` as a follower would, `size` at a time. */
async function commitInBatches(storage: ProjectionStorage<unknown>, events: StoredEvent[], size: number): Promise<void> {
  let after: string | null = null;
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    await storage.followers.commit(PROJECTIONS_CHECKPOINT, after, batch, (fresh, tx) => storage.apply(fresh, tx));
    after = batch[batch.length - 1].position;
  }
}

const TABLES = [
  { name: 'payouts', key: 'order_id' },
  { name: 'fallback_queue', key: 'order_id' },
  { name: 'settlements', key: 'order_id' },
  { name: 'voltz_520', key: 'event_id' },
];

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('read models in %s (a SQLite log)', (_kind, postgres) => {
  let fixture: StoreWithReadModel;
  let database: TestDatabase | null = null;
  let side: ReadSide;
  let store: SqliteEventStore;

  beforeEach(async () => {
    fixture = openStoreWithReadModel(clock, 'pll-read-models');
    store = fixture.store;
    database = postgres ? await createTestDatabase('read_models') : null;
    side = database ? await openPostgresSide(fixture, database) : await openSqliteSide(fixture);
  });
  afterEach(async () => {
    await side.close();
    await database?.drop();
    await fixture.close();
  });

  /** Appends the scenario piece by piece, interleaving orders; answers every stored event in log order. */
  const appendScenario = async (): Promise<StoredEvent[]> => {
    const orders = scenario();
    const revisions = new Map<string, number>();
    for (let piece = 0; piece < 2; piece++) {
      for (const { orderId, pieces } of orders) {
        const events = pieces[piece];
        if (!events) continue;
        const before = revisions.get(orderId);
        const result = await store.append(payoutStreamName(orderId), events.map(envelope), before ?? 'no_stream');
        revisions.set(orderId, result.nextRevision);
      }
    }
    const all: StoredEvent[] = [];
    for await (const event of store.readAll()) all.push(event);
    return all;
  };
  const applyInBatches = (events: StoredEvent[], size: number) => commitInBatches(side.storage, events, size);
  const snapshot = async () =>
    Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t.name, await side.rows(t.name, t.key)] as const)));

  it('gives the same rows applied in small batches as rebuilt in one, and lists, pages and sweeps them', async () => {
    const events = await appendScenario();
    await applyInBatches(events, 3);
    const live = await snapshot();

    expect(live.payouts.map((row) => [row.order_id, row.status])).toEqual([
      ['ord_rm_1', 'SETTLED'],
      ['ord_rm_2', 'PAYING'],
      ['ord_rm_3', 'RETRY_QUEUED'],
      ['ord_rm_4', 'PAYING'],
      ['ord_rm_5', 'AWAITING_DESTINATION'],
      ['ord_rm_6', 'PAYING'],
    ]);
    expect(live.fallback_queue.map((row) => row.order_id)).toEqual(['ord_rm_2', 'ord_rm_3', 'ord_rm_4', 'ord_rm_6']);
    // Entered the view with its invoice (nobody paying it yet); later events of other batches keep that time.
    expect(live.fallback_queue.find((row) => row.order_id === 'ord_rm_4')).toMatchObject({ queued_at: iso(-29 * MIN), attempts: 1 });
    // Left the view (escalated) and came back (cleared) within one batch: a new stay, from its return.
    expect(live.fallback_queue.find((row) => row.order_id === 'ord_rm_6')).toMatchObject({ queued_at: iso(-7 * MIN) });
    expect(live.settlements).toHaveLength(6);
    expect(live.voltz_520).toHaveLength(1);

    await side.storage.reset();
    expect((await side.storage.followers.read(PROJECTIONS_CHECKPOINT)).exists).toBe(false);
    expect(await side.rows('payouts', 'order_id')).toEqual([]);
    await applyInBatches(events, events.length);
    expect(await snapshot()).toEqual(live);

    const first = await side.payouts.list({ limit: 2 });
    expect(first.items.map((p) => p.orderId)).toEqual(['ord_rm_1', 'ord_rm_2']);
    const second = await side.payouts.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((p) => p.orderId)).toEqual(['ord_rm_3', 'ord_rm_4']);
    const last = await side.payouts.list({ limit: 2, cursor: second.nextCursor });
    expect(last).toMatchObject({ items: [{ orderId: 'ord_rm_5' }, { orderId: 'ord_rm_6' }], nextCursor: null });
    expect((await side.payouts.list({ status: 'PAYING', limit: 10 })).items.map((p) => p.orderId)).toEqual([
      'ord_rm_2',
      'ord_rm_4',
      'ord_rm_6',
    ]);
    await expect(side.payouts.list({ limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_cursor' });
    expect(await side.payouts.openAmounts()).toEqual(
      expect.arrayContaining([
        { amountSats: 5_000, count: 1 },
        { amountSats: 7_000, count: 1 },
        { amountSats: 9_000, count: 1 },
        { amountSats: 3_000, count: 1 },
        { amountSats: 4_000, count: 1 },
      ]),
    );
    expect(await side.payouts.openAmounts()).toHaveLength(5);

    const queued = await side.queue.list(10);
    expect(queued.map((item) => item.orderId).sort()).toEqual(['ord_rm_2', 'ord_rm_3', 'ord_rm_4', 'ord_rm_6']);
    // Due first, then by order; the retry waits until its time.
    expect(queued.map((item) => item.nextAttemptAt)).toEqual([...queued.map((item) => item.nextAttemptAt)].sort());
    expect((await side.queue.due(new Date(T0), 10)).map((item) => item.orderId)).not.toContain('ord_rm_3');
    expect((await side.queue.due(new Date(T0 + 31 * MIN), 10)).map((item) => item.orderId)).toContain('ord_rm_3');
    expect(await side.queue.due(new Date(T0), 1)).toHaveLength(1);
  });

  it('pages either way through every row exactly once while newer rows arrive, with the total of the filter on every page', async () => {
    const events = await appendScenario();
    await applyInBatches(events, events.length);
    let added = 0;
    /** A payout newer than every other, applied as the live projection would between two page requests. */
    const addNewer = async () => {
      added += 1;
      const orderId = `ord_rm_new_${added}`;
      const pix = ev.pixConfirmed({ orderId, amountSats: 1_000, confirmedAt: iso(added * MIN) });
      await store.append(payoutStreamName(orderId), [envelope(pix)], 'no_stream');
      const all: StoredEvent[] = [];
      for await (const event of store.readAll()) all.push(event);
      const { position } = all[all.length - 2];
      await side.storage.followers.commit(PROJECTIONS_CHECKPOINT, position, all.slice(-1), (fresh, tx) => side.storage.apply(fresh, tx));
    };
    const pageThrough = async (order: PayoutOrder, status?: PayoutStatus) => {
      const seen: string[] = [];
      const totals: number[] = [];
      let cursor: string | null = null;
      do {
        const page: PayoutListPage = await side.payouts.list({ limit: 2, cursor, order, status });
        seen.push(...page.items.map((p) => p.orderId));
        totals.push(page.total);
        cursor = page.nextCursor;
        await addNewer();
      } while (cursor);
      return { seen, totals };
    };

    // Newest first: rows added after the first page are newer than the cursor, so no page repeats or shifts.
    const newest = await pageThrough('newest');
    expect(newest.seen).toEqual(['ord_rm_6', 'ord_rm_5', 'ord_rm_4', 'ord_rm_3', 'ord_rm_2', 'ord_rm_1']);
    expect(newest.totals).toEqual([6, 7, 8]);

    // Oldest first: the rows added meanwhile come at the end, each once.
    const oldest = await pageThrough('oldest');
    expect(oldest.seen.slice(0, 6)).toEqual(['ord_rm_1', 'ord_rm_2', 'ord_rm_3', 'ord_rm_4', 'ord_rm_5', 'ord_rm_6']);
    expect(new Set(oldest.seen).size).toBe(oldest.seen.length);
    expect(oldest.seen.slice(6)).toEqual(Array.from({ length: oldest.seen.length - 6 }, (_, i) => `ord_rm_new_${i + 1}`));
    expect(oldest.seen.length).toBeGreaterThan(9);

    // Ties on created_at (orders 5 and 6) are broken by order id in both directions; the total follows the status.
    const paying = await pageThrough('newest', 'PAYING');
    expect(paying).toEqual({ seen: ['ord_rm_6', 'ord_rm_4', 'ord_rm_2'], totals: [3, 3] });
    expect(await side.payouts.list({ limit: 1, status: 'SETTLED', order: 'newest' })).toMatchObject({
      items: [{ orderId: 'ord_rm_1' }],
      nextCursor: null,
      total: 1,
    });
    expect(await side.payouts.list({ limit: 5, status: 'FAILED' })).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('applies a batch once even when it is committed twice (the checkpoint covers it), and refuses one past a reset checkpoint', async () => {
    const events = await appendScenario();
    await applyInBatches(events, events.length);
    const once = await snapshot();
    const applied = await side.storage.followers.commit(PROJECTIONS_CHECKPOINT, null, events, (fresh, tx) => side.storage.apply(fresh, tx));
    expect(applied).toBe(0);
    expect(await snapshot()).toEqual(once);

    await side.storage.reset();
    const head = events[events.length - 1].position;
    await expect(
      side.storage.followers.commit(PROJECTIONS_CHECKPOINT, head, events, (fresh, tx) => side.storage.apply(fresh, tx)),
    ).rejects.toThrow('the checkpoint moved back');
  });

  it('serves the stats from a running projection runner, and rebuilds to the same rows', async () => {
    const runner = new ProjectionRunner(store, side.storage, ALWAYS_HELD, new LogFollowers(), clock, random);
    await runner.onApplicationBootstrap();
    try {
      const events = await appendScenario();
      const head = events[events.length - 1].position;
      await runner.waitFor(head);
      const stats = await side.stats(runner).stats(new Date(T0));
      expect(stats).toEqual({
        byStatus: { SETTLED: 1, PAYING: 3, RETRY_QUEUED: 1, AWAITING_DESTINATION: 1 },
        settled: { last24h: { count: 1, sats: 21_000, feeMsat: 2000 }, total: { count: 1, sats: 21_000, feeMsat: 2000 } },
        fallbackQueue: { depth: 4, oldestQueuedAt: iso(-49 * MIN) },
        voltz520Last24h: { lnbits: 0, cloudflare: 1 },
        projectionLagMs: 0,
      });
      const live = await snapshot();
      await runner.rebuild();
      await runner.waitFor(head);
      expect(await snapshot()).toEqual(live);
    } finally {
      await runner.onApplicationShutdown();
    }
  });
});

describe('SQLite and PostgreSQL read models', () => {
  it('hold the same rows for the same log', async () => {
    const fixture = openStoreWithReadModel(clock, 'pll-read-models-both');
    const database = await createTestDatabase('read_models_both');
    const sqlite = await openSqliteSide(fixture);
    const postgres = await openPostgresSide(fixture, database);
    try {
      for (const { orderId, pieces } of scenario())
        await fixture.store.append(payoutStreamName(orderId), pieces.flat().map(envelope), 'no_stream');
      const events: StoredEvent[] = [];
      for await (const event of fixture.store.readAll()) events.push(event);
      for (const side of [sqlite, postgres])
        await side.storage.followers.commit(PROJECTIONS_CHECKPOINT, null, events, (fresh, tx) => side.storage.apply(fresh, tx));
      for (const { name, key } of TABLES) expect(await postgres.rows(name, key)).toEqual(await sqlite.rows(name, key));
    } finally {
      await postgres.close();
      await database.drop();
      await fixture.close();
    }
  });
});

describe('PostgreSQL rebuild and check (ledger rebuild, ledger verify)', () => {
  let fixture: StoreWithReadModel;
  let database: TestDatabase;
  let pool: Pool;
  const projections = () => [new PostgresPayoutsProjection(READ_MODEL_SETTINGS), new PostgresAdminStatsProjection()];

  beforeEach(async () => {
    fixture = openStoreWithReadModel(clock, 'pll-pg-rebuild');
    database = await createTestDatabase('pg_rebuild');
    await migratePostgres(database.url);
    pool = createPostgresPool({ url: database.url, size: 4 });
  });
  afterEach(async () => {
    await pool.end();
    await database.drop();
    await fixture.close();
  });

  const appendAll = async (orders: { orderId: string; pieces: PayoutEvent[][] }[]) => {
    for (const { orderId, pieces } of orders)
      await fixture.store.append(payoutStreamName(orderId), pieces.flat().map(envelope), 'no_stream');
    const events: StoredEvent[] = [];
    for await (const event of fixture.store.readAll()) events.push(event);
    return events;
  };
  const rows = async () =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async ({ name, key }) => [name, (await pool.query(`SELECT * FROM ${name} ORDER BY ${key}`)).rows] as const),
      ),
    );

  it('rebuilds in place to the rows the live projection wrote, checkpoint included', async () => {
    const storage = new PostgresProjectionStorage(pool, projections());
    const events = await appendAll(scenario());
    await commitInBatches(storage, events, 1);
    const live = await rows();
    await pool.query("UPDATE payouts SET status = 'CANCELLED' WHERE order_id = 'ord_rm_1'");

    const builder = await PostgresReadModelBuilder.open(pool, projections());
    for (const event of events) await builder.add(event);
    await builder.finish();
    expect(await rows()).toEqual(live);
    expect((await storage.followers.read(PROJECTIONS_CHECKPOINT)).position).toBe(events[events.length - 1].position);
  });

  it('copies the live rows at the live checkpoint for `ledger verify`, which names every row that differs from a rebuild', async () => {
    const storage = new PostgresProjectionStorage(pool, projections());
    const events = await appendAll(scenario());
    await storage.followers.commit(PROJECTIONS_CHECKPOINT, null, events, (fresh, tx) => storage.apply(fresh, tx));
    await pool.query(`UPDATE payouts SET view = '{}' WHERE order_id = 'ord_rm_2';
      DELETE FROM fallback_queue WHERE order_id = 'ord_rm_3';
      INSERT INTO voltz_520 (event_id, source, received_at) VALUES ('planted', 'lnbits', 'x');`);
    const sqliteProjections = [new PayoutsProjection(READ_MODEL_SETTINGS), new AdminStatsProjection()];
    const dir = mkdtempSync(join(tmpdir(), 'pll-live-copy-'));
    try {
      const serviceTimings = { ...payoutPolicy(READ_MODEL_SETTINGS), paymentNotFoundGraceMs: 424_242 };
      await recordPostgresTimings(pool, serviceTimings);
      const live = await copyLiveReadModels(pool, sqliteProjections, join(dir, 'live.sqlite'));
      expect(new LogCheckpoints(live).read(PROJECTIONS_CHECKPOINT).position).toBe(events[events.length - 1].position);
      // The service's timings travel with the copy, not those of the shell running the check.
      expect(readTimings(live)).toEqual(serviceTimings);
      const rebuilt = new Database(join(dir, 'rebuilt.sqlite'));
      const builder = new ReadModelBuilder(rebuilt, sqliteProjections);
      for (const event of events) builder.add(event);
      builder.finish();
      rebuilt.close();
      expect(compareReadModels(live, join(dir, 'rebuilt.sqlite'), sqliteProjections)).toEqual([
        { table: 'payouts', key: 'ord_rm_2', problem: 'differs' },
        { table: 'fallback_queue', key: 'ord_rm_3', problem: 'missing_in_live' },
        { table: 'voltz_520', key: 'planted', problem: 'extra_in_live' },
      ]);
      live.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL read models while the database is unreachable', () => {
  it('answer StoreUnavailableError (HTTP 503 store_unavailable), never a raw connection error', async () => {
    // A port nothing listens on: the connection is refused at once.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const pool = createPostgresPool({ url: `postgres://nobody:secret@127.0.0.1:${closed}/nothing`, size: 1 });
    try {
      const unavailable = expect.objectContaining({ name: 'StoreUnavailableError', code: 'store_unavailable' });
      await expect(new PostgresPayoutReadModel(pool).list({ limit: 1 })).rejects.toEqual(unavailable);
      await expect(new PostgresPayoutReadModel(pool).openAmounts()).rejects.toEqual(unavailable);
      await expect(new PostgresFallbackQueue(pool).due(new Date(T0), 1)).rejects.toEqual(unavailable);
      await expect(new PostgresProjectionStorage(pool, []).followers.read(PROJECTIONS_CHECKPOINT)).rejects.toEqual(unavailable);
      await expect(new PostgresProjectionStorage(pool, []).reset()).rejects.toEqual(unavailable);
      await expect(new PostgresFallbackQueue(pool).list(1)).rejects.not.toThrow('secret');
    } finally {
      await pool.end();
    }
  });
});
