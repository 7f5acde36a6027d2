import { createServer, type AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Client, type Pool } from 'pg';
import {
  AppendOutcomeUnknownError,
  InvalidPositionError,
  NO_STREAM,
  StoreUnavailableError,
  type StoredEvent,
} from '../../src/application/ports/event-store.port';
import {
  APPEND_SQL,
  PostgresEventStore,
  appendParameters,
  type PostgresEventStoreOptions,
} from '../../src/infrastructure/event-store/postgres-event-store';
import { POSTGRES_MIGRATIONS } from '../../src/infrastructure/postgres/migrations';
import { createPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { migratePostgres } from '../../src/infrastructure/postgres/postgres-migrations';
import { TcpProxy } from '../support/postgres/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database';
import { Condition, collect, newEvent, runEventStoreContract, uniqueStream } from './event-store.contract';
import { expectOneWinnerPerClaim, killChildren } from './fixtures/store-children';

const clock = { now: () => new Date() };
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('pg_contract');
  await migratePostgres(database.url);
});

afterAll(async () => {
  await database.drop();
});

runEventStoreContract('PostgresEventStore', async () => {
  const pool = createPostgresPool({ url: database.url, size: 10 });
  const store = new PostgresEventStore({ pool, url: database.url, clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await pool.end();
    },
  };
});

describe('PostgresEventStore (PostgreSQL specifics)', () => {
  const opened: Array<{ store: PostgresEventStore; pool: Pool }> = [];
  const proxies: TcpProxy[] = [];

  afterEach(async () => {
    killChildren();
    jest.restoreAllMocks();
    await Promise.all(opened.splice(0).map(({ store, pool }) => store.close().then(() => pool.end())));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  function open(options: Partial<Omit<PostgresEventStoreOptions, 'pool'>> = {}): PostgresEventStore {
    const url = options.url ?? database.url;
    const pool = createPostgresPool({ url, size: 4 });
    const store = new PostgresEventStore({ clock, ...options, pool, url });
    opened.push({ store, pool });
    return store;
  }

  async function proxy(silent = false): Promise<TcpProxy> {
    const started = await TcpProxy.start(database.url, { silent });
    proxies.push(started);
    return started;
  }

  /** Collects the events of the given streams delivered to a subscription, in delivery order. */
  function follow(store: PostgresEventStore, after: string | null, streams: string[]) {
    const received: StoredEvent[] = [];
    const changed = new Condition();
    const subscription = store.subscribe({ after }, (event) => {
      if (streams.includes(event.stream)) {
        received.push(event);
        changed.notify();
      }
    });
    return { received, changed, subscription };
  }

  it('never lets a follower skip an event whose transaction commits after later events were visible', async () => {
    const store = open({ pollIntervalMs: 20 });
    const marker = await store.append(uniqueStream('hold-marker'), [newEvent('Marker')], NO_STREAM);
    const heldStream = uniqueStream('held');
    const laterStreams = [uniqueStream('later-a'), uniqueStream('later-b'), uniqueStream('later-c')];
    const streams = [heldStream, ...laterStreams];
    const { received, changed } = follow(store, marker.position, streams);
    const held = new Client({ connectionString: database.url });
    await held.connect();
    const heldEvent = newEvent('Held');
    let checkpoint = marker.position;
    try {
      // The adapter's own statement, in a transaction left open while others commit.
      await held.query('BEGIN');
      const [heldRow] = (await held.query<{ position: string }>(APPEND_SQL, appendParameters(heldStream, [heldEvent], NO_STREAM, clock)))
        .rows;
      const later = [];
      for (const stream of laterStreams) {
        later.push(await store.append(stream, [newEvent('Later')], NO_STREAM));
      }
      // The later events hold higher identities: a follower reading by identity alone would pass the held one.
      expect(later.every(({ position }) => BigInt(position.split('/')[1]) > BigInt(heldRow.position))).toBe(true);
      for await (const event of store.readAll({ after: marker.position, limit: 1 })) checkpoint = event.position;
      await held.query('COMMIT');
    } finally {
      await held.end();
    }

    await changed.wait(() => received.length === 4, 'all four events');
    const afterCheckpoint = (await collect(store.readAll({ after: checkpoint }))).filter((event) => streams.includes(event.stream));
    const paged: StoredEvent[] = [];
    for (let after = marker.position, page = await collect(store.readAll({ after, limit: 1 })); page.length > 0;) {
      paged.push(...page.filter((event) => streams.includes(event.stream)));
      after = page[0].position;
      page = await collect(store.readAll({ after, limit: 1 }));
    }

    expect(received.map((event) => event.stream)).toEqual(streams);
    expect(received[0].id).toBe(heldEvent.id);
    expect(afterCheckpoint.map((event) => event.stream)).toEqual(streams);
    expect(paged.map((event) => event.stream)).toEqual(streams);
  });

  it('orders the log by transaction id as a number, across a power of ten', async () => {
    const store = open();
    const marker = await store.append(uniqueStream('digits-marker'), [newEvent('Marker')], NO_STREAM);
    const [shorter, longer] = [uniqueStream('digits-shorter'), uniqueStream('digits-longer')];
    const first = await store.append(shorter, [newEvent()], NO_STREAM);
    const digits = first.position.split('/')[0].length;
    await burnTransactionIds(10n ** BigInt(digits) - BigInt(first.position.split('/')[0]));
    const second = await store.append(longer, [newEvent()], NO_STREAM);
    expect(second.position.split('/')[0].length).toBeGreaterThan(digits);

    const log = (await collect(store.readAll({ after: marker.position }))).filter((event) => [shorter, longer].includes(event.stream));

    expect(log.map((event) => event.stream)).toEqual([shorter, longer]);
    expect(await store.headPosition()).toBe(second.position);
  });

  it('wakes a subscriber on another instance by NOTIFY, long before its next poll', async () => {
    const writer = open();
    const reader = open({ pollIntervalMs: 600_000 });
    const stream = uniqueStream('notified');
    const { received, changed } = follow(reader, await reader.headPosition(), [stream]);
    await listenerPid();

    for (let revision = 0; revision < 5; revision += 1) {
      await writer.append(stream, [newEvent('Remote')], revision === 0 ? NO_STREAM : revision - 1);
      await changed.wait(() => received.length === revision + 1, `event ${revision} through NOTIFY`);
    }

    expect(received.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('listens again after losing its LISTEN connection', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const writer = open();
    const reader = open({ pollIntervalMs: 600_000 });
    const stream = uniqueStream('relisten');
    const { received, changed } = follow(reader, await reader.headPosition(), [stream]);
    const first = await listenerPid();

    await withAdmin((client) => client.query('SELECT pg_terminate_backend($1)', [first]));
    await listenerPid(first);
    await writer.append(stream, [newEvent('AfterReconnect')], NO_STREAM);

    await changed.wait(() => received.length === 1, 'the event after the listener reconnected');
  });

  it('still delivers by polling with notifications off', async () => {
    const writer = open({ notifications: false });
    const reader = open({ notifications: false, pollIntervalMs: 20 });
    const stream = uniqueStream('polled');
    const { received, changed } = follow(reader, await reader.headPosition(), [stream]);

    for (let revision = 0; revision < 5; revision += 1) {
      await writer.append(stream, [newEvent('Remote')], revision === 0 ? NO_STREAM : revision - 1);
    }
    await changed.wait(() => received.length === 5, 'the five polled events');

    expect(received.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
    expect(await listenerCount()).toBe(0);
  });

  it('lets exactly one process win each claim when several processes race on one database', async () => {
    await expectOneWinnerPerClaim(open(), database.url);
  });

  it('raises AppendOutcomeUnknownError when the connection breaks after the append went up; the stream tells what happened', async () => {
    const through = await proxy();
    const store = open({ url: through.url(database.url) });
    const direct = open();
    const stream = uniqueStream('unknown');
    const opened = newEvent('Opened');
    await store.append(stream, [opened], NO_STREAM);

    const committed = newEvent('Committed');
    const cut = through.cutAfter('INSERT INTO events', true);
    await expect(store.append(stream, [committed], 0)).rejects.toBeInstanceOf(AppendOutcomeUnknownError);
    await cut;
    const stored = await collect(direct.readStream(stream));
    expect(stored.map((event) => event.id)).toEqual([opened.id, committed.id]);
    // The caller's retry of the same append is acknowledged with the stored outcome.
    expect(await store.append(stream, [committed], 0)).toEqual({ nextRevision: 1, position: stored[1].position });

    const dropped = newEvent('Dropped');
    const lost = through.cutAfter('INSERT INTO events', false);
    await expect(store.append(stream, [dropped], 1)).rejects.toBeInstanceOf(AppendOutcomeUnknownError);
    await lost;
    expect((await collect(direct.readStream(stream))).map((event) => event.id)).toEqual([opened.id, committed.id]);
  });

  it('answers StoreUnavailableError, never hangs, while the server is unreachable or silent', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const closedPort = await freePort();
    const refused = new URL(database.url);
    refused.port = String(closedPort);
    const down = open({ url: refused.toString() });
    const silent = open({ url: (await proxy(true)).url(database.url) });
    const stream = uniqueStream('down');

    for (const store of [down, silent]) {
      await Promise.all([
        expect(store.append(stream, [newEvent()], NO_STREAM)).rejects.toBeInstanceOf(StoreUnavailableError),
        expect(collect(store.readStream(stream))).rejects.toBeInstanceOf(StoreUnavailableError),
        expect(collect(store.readAll())).rejects.toBeInstanceOf(StoreUnavailableError),
        expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError),
        expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError),
      ]);
    }
  });

  it('retries a failed handler on the same event instead of skipping it', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = open({ pollIntervalMs: 20 });
    const stream = uniqueStream('retry');
    const after = await store.headPosition();
    await store.append(stream, [newEvent('First'), newEvent('Second')], NO_STREAM);
    const delivered: number[] = [];
    const changed = new Condition();
    let failures = 0;

    store.subscribe({ after }, (event) => {
      if (event.stream !== stream) return;
      if (event.revision === 0 && failures === 0) {
        failures += 1;
        throw new Error('read model busy');
      }
      delivered.push(event.revision);
      changed.notify();
    });
    await changed.wait(() => delivered.length === 2, 'both events after the retry');

    expect(failures).toBe(1);
    expect(delivered).toEqual([0, 1]);
  });

  it('stamps createdAt with the injected clock, pages through long reads and refuses positions of another store', async () => {
    const fixed = open({ clock: { now: () => new Date('2025-03-01T12:00:00.000Z') } });
    const stream = uniqueStream('pages');
    const after = await fixed.headPosition();
    const events = Array.from({ length: 2_345 }, (_, index) => newEvent('Bulk', { index }));
    await fixed.append(stream, events, NO_STREAM);

    const all = await collect(fixed.readAll({ after }));
    const backwards = await collect(fixed.readStream(stream, { direction: 'backwards', from: 2_100, limit: 1_500 }));

    expect(all.map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(all.every((event) => event.createdAt === '2025-03-01T12:00:00.000Z')).toBe(true);
    expect(backwards.map((event) => event.revision)).toEqual(Array.from({ length: 1_500 }, (_, index) => 2_100 - index));
    await expect(collect(fixed.readAll({ after: '12' }))).rejects.toBeInstanceOf(InvalidPositionError);
    expect(() => fixed.subscribe({ after: '1/2/3' }, () => undefined)).toThrow(InvalidPositionError);
  });

  it('migrates an empty database from three instances at once, and a second run does nothing', async () => {
    const empty = await createTestDatabase('pg_migrate');
    try {
      const runs = await Promise.all([1, 2, 3].map(() => migratePostgres(empty.url)));

      expect(runs.flat().sort((a, b) => a - b)).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b));
      expect(await migratePostgres(empty.url)).toEqual([]);
      const store = open({ url: empty.url });
      expect(await store.headPosition()).toBeNull();
      await store.append(uniqueStream('migrated'), [newEvent()], NO_STREAM);
      expect(await store.headPosition()).not.toBeNull();
    } finally {
      await Promise.all(opened.splice(0).map(({ store, pool }) => store.close().then(() => pool.end())));
      await empty.drop();
    }
  });
});

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Uses up transaction ids (one per subtransaction that writes), so the next append's id is at least `count` higher. */
async function burnTransactionIds(count: bigint): Promise<void> {
  await withAdmin(async (client) => {
    await client.query('CREATE TEMP TABLE burn (n integer)');
    for (let left = count; left > 0n; left -= 100_000n) {
      const chunk = left < 100_000n ? left : 100_000n;
      await client.query(
        `DO $$ BEGIN FOR i IN 1..${chunk} LOOP BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$`,
      );
    }
  });
}

const LISTEN_APPLICATION = 'pix-lightning-ledger:listen';

async function listenerCount(): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ count: string }>(
      'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [LISTEN_APPLICATION],
    );
    return Number(rows[0].count);
  });
}

/**
 * The pid of this database's LISTEN connection once it listens (idle after
 * its LISTEN), other than `previous`: the server's state, which no event of
 * ours announces, so it is polled.
 */
async function listenerPid(previous = 0): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pid = await withAdmin(async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = $1 AND state = 'idle' AND pid <> $2`,
        [LISTEN_APPLICATION, previous],
      );
      return rows[0]?.pid;
    });
    if (pid !== undefined) return pid;
    if (Date.now() > deadline) throw new Error('no LISTEN connection within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
