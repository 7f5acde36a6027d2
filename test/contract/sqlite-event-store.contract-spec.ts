import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NO_STREAM, type StoredEvent } from '../../src/application/ports/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { Condition, collect, newEvent, runEventStoreContract, uniqueStream } from './event-store.contract';
import { expectOneWinnerPerClaim, killChildren, nextLine, spawnChild } from './fixtures/store-children';

const FIXED_CLOCK = { now: () => new Date('2025-03-01T12:00:00.000Z') };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
}

function openStore(filename: string, pollIntervalMs?: number): SqliteEventStore {
  return new SqliteEventStore({ filename, clock: FIXED_CLOCK, pollIntervalMs });
}

runEventStoreContract('SqliteEventStore', async () => {
  const dir = tempDir();
  const store = openStore(join(dir, 'events.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteEventStore (SQLite specifics)', () => {
  let dir: string;
  let filename: string;
  const stores: SqliteEventStore[] = [];

  beforeEach(() => {
    dir = tempDir();
    filename = join(dir, 'events.db');
  });

  afterEach(async () => {
    killChildren();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(pollIntervalMs?: number): SqliteEventStore {
    const store = openStore(filename, pollIntervalMs);
    stores.push(store);
    return store;
  }

  it('stamps createdAt with the injected clock', async () => {
    const store = open();
    const stream = uniqueStream('clock');
    await store.append(stream, [newEvent()], NO_STREAM);

    const [stored] = await collect(store.readStream(stream));

    expect(stored.createdAt).toBe('2025-03-01T12:00:00.000Z');
  });

  it('has no head position while the log is empty', async () => {
    expect(await open().headPosition()).toBeNull();
  });

  it('uses decimal integer positions and pages through long reads', async () => {
    const store = open();
    const stream = uniqueStream('pages');
    const events = Array.from({ length: 1_234 }, (_, index) => newEvent('Bulk', { index }));
    await store.append(stream, events, NO_STREAM);

    const all = await collect(store.readAll());
    const backwards = await collect(store.readStream(stream, { direction: 'backwards', from: 1_100, limit: 700 }));

    expect(all.map((event) => event.position)).toEqual(events.map((_, index) => String(index + 1)));
    expect(backwards.map((event) => event.revision)).toEqual(Array.from({ length: 700 }, (_, index) => 1_100 - index));
  });

  it('delivers to subscribers events appended through another connection to the same file (polling)', async () => {
    const reader = open(10);
    const writer = open(10);
    const stream = uniqueStream('polled');
    const received: StoredEvent[] = [];
    const changed = new Condition();
    reader.subscribe({}, (event) => {
      received.push(event);
      changed.notify();
    });

    for (let revision = 0; revision < 5; revision += 1) {
      await writer.append(stream, [newEvent('Remote')], revision === 0 ? NO_STREAM : revision - 1);
    }
    await changed.wait(() => received.length === 5, 'the events written by the other connection');

    expect(received.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('retries a failed handler on the same event instead of skipping it', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = open(10);
    const stream = uniqueStream('retry');
    await store.append(stream, [newEvent('First'), newEvent('Second')], NO_STREAM);
    const delivered: number[] = [];
    const changed = new Condition();
    let failures = 0;

    store.subscribe({}, (event) => {
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

  it('does not keep the process alive once its subscription is closed', async () => {
    const child = spawnChild('subscribe-then-close', filename);

    expect(await nextLine(child)).toBe('closed');
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the child is still running 5 s after closing its subscription')), 5_000);
    });
    try {
      await expect(Promise.race([child.exited, stuck])).resolves.toBe(0);
    } finally {
      clearTimeout(timer);
    }
  });

  it('lets exactly one process win each claim when several processes race on one file', async () => {
    await expectOneWinnerPerClaim(open(), filename);
  });

  it('keeps every acknowledged append when the writing process is killed mid-way (SIGKILL)', async () => {
    const stream = uniqueStream('durable');
    const child = spawnChild('append-forever', filename, stream);
    const acknowledged: Array<{ revision: number; id: string }> = [];

    while (acknowledged.length < 60) {
      const [revision, id] = (await nextLine(child)).split(' ');
      acknowledged.push({ revision: Number(revision), id });
    }
    child.process.kill('SIGKILL');
    await child.exited;

    const stored = await collect(open().readStream(stream));
    expect(stored.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(stored.map((event) => event.revision)).toEqual(stored.map((_, index) => index));
    for (const { revision, id } of acknowledged) {
      expect(stored[revision].id).toBe(id);
    }
  });
});
