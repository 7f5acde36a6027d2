import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EventToAppend, StoredEvent } from '../../application/ports/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { StoreWithReadModel, openStoreWithReadModel } from '../../../test/support/store-with-read-model';
import { LogCheckpoints } from './log-checkpoints';
import { BatchWrites, LogFollower, LogFollowerOptions, Timers } from './log-follower';
import { SqliteFollowerStorage } from './sqlite-follower-storage';

const BATCH_WINDOW_MS = 1;

/** The batch window runs on real timers; retries wait until the spec fires them, and their delays are recorded. */
class DrivenTimers implements Timers {
  readonly retryDelays: number[] = [];
  private readonly retries: (() => void)[] = [];
  private scheduled: (() => void) | null = null;

  setTimeout(callback: () => void, ms: number): unknown {
    if (ms === BATCH_WINDOW_MS) return setTimeout(callback, ms);
    this.retryDelays.push(ms);
    this.retries.push(callback);
    this.scheduled?.();
    return callback;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle !== 'function') return clearTimeout(handle as NodeJS.Timeout);
    const index = this.retries.indexOf(handle as () => void);
    if (index >= 0) this.retries.splice(index, 1);
  }

  /** Resolves once a retry is scheduled. */
  async retryScheduled(): Promise<void> {
    while (this.retries.length === 0) await new Promise<void>((resolve) => (this.scheduled = resolve));
  }

  fireRetry(): void {
    this.retries.shift()!();
  }
}

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
const envelope = (n: number): EventToAppend => ({
  id: randomUUID(),
  type: 'Numbered',
  data: { n },
  metadata: { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1 },
});

describe('LogFollower (real SqliteEventStore, real read-model file)', () => {
  let now: number;
  const clock = { now: () => new Date(now) };
  let fixture: StoreWithReadModel;
  let store: SqliteEventStore;
  let db: Database.Database;
  let checkpoints: LogCheckpoints;
  let timers: DrivenTimers;
  let follower: LogFollower<Database.Database> | null;

  beforeEach(() => {
    now = Date.parse('2025-07-09T12:00:00.000Z');
    fixture = openStoreWithReadModel(clock, 'pll-follower');
    ({ store, db } = fixture);
    db.exec('CREATE TABLE seen (event_id TEXT NOT NULL, position TEXT NOT NULL)');
    checkpoints = new LogCheckpoints(db);
    timers = new DrivenTimers();
    follower = null;
  });
  afterEach(async () => {
    await follower?.stop();
    await fixture.close();
  });

  const insertSeen = () => {
    const insert = db.prepare<[string, string]>('INSERT INTO seen (event_id, position) VALUES (?, ?)');
    return (events: readonly StoredEvent[]) => events.forEach((event) => insert.run(event.id, event.position));
  };
  const start = async (
    prepare: (events: readonly StoredEvent[]) => BatchWrites<Database.Database>,
    options: Partial<LogFollowerOptions<Database.Database>> = {},
  ) => {
    follower = new LogFollower({
      name: 'spec',
      store,
      storage: new SqliteFollowerStorage(db, checkpoints),
      clock,
      random: () => 1,
      timers,
      batchWindowMs: BATCH_WINDOW_MS,
      handler: { prepare },
      ...options,
    });
    await follower.start();
    return follower;
  };
  const appendNumbered = async (stream: string, count: number, from = 0) => {
    const result = await store.append(
      stream,
      Array.from({ length: count }, (_, i) => envelope(from + i)),
      from === 0 ? 'no_stream' : from - 1,
    );
    return result.position;
  };
  const seen = () => db.prepare<[], { event_id: string; n: number }>('SELECT event_id, count(*) AS n FROM seen GROUP BY event_id').all();

  it('retries a failing batch from the stored checkpoint with growing delays, then applies every event exactly once', async () => {
    let failuresLeft = 3;
    const insert = insertSeen();
    const f = await start(() => ({
      apply: (events: readonly StoredEvent[]) => {
        insert(events);
        if (failuresLeft-- > 0) throw busy();
      },
    }));
    await appendNumbered('numbers-a', 3);
    const head = await appendNumbered('numbers-b', 2);

    for (let attempt = 1; attempt <= 3; attempt++) {
      await timers.retryScheduled();
      expect(f.status(head)).toMatchObject({ position: null, retries: attempt, error: 'database is locked' });
      // Nothing of a failed batch stays: its rows went with the transaction.
      expect(seen()).toEqual([]);
      expect(checkpoints.read('spec')).toEqual({ exists: false, position: null });
      now += 4_000;
      timers.fireRetry();
    }
    await f.waitFor(head);

    expect(timers.retryDelays).toEqual([100, 200, 400]);
    expect(seen()).toHaveLength(5);
    expect(seen().every((row) => row.n === 1)).toBe(true);
    expect(checkpoints.read('spec').position).toBe(head);
    expect(f.status(head)).toEqual({ name: 'spec', position: head, head, behindForMs: 0, retries: 0 });
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      expect.stringContaining('(attempt 3); resuming from the stored checkpoint in 400 ms: database is locked'),
    );
  });

  it('reports how long it has been behind while it retries, counted from the first failure', async () => {
    const f = await start(() => ({
      apply: () => {
        throw busy();
      },
    }));
    const head = await appendNumbered('numbers', 1);
    await timers.retryScheduled();
    now += 11_000;
    expect(f.status(head)).toEqual({ name: 'spec', position: null, head, behindForMs: 11_000, retries: 1, error: 'database is locked' });
  });

  it('moves rows and checkpoint together: a handler that fails after writing its rows leaves neither', async () => {
    const insert = insertSeen();
    let fail = true;
    const first = await appendNumbered('numbers', 2);
    const f = await start(() => ({
      apply: (events: readonly StoredEvent[]) => {
        insert(events);
        if (fail) throw new Error('killed between rows and checkpoint');
      },
    }));
    await timers.retryScheduled();
    expect(seen()).toEqual([]);
    expect(checkpoints.read('spec').exists).toBe(false);

    fail = false;
    timers.fireRetry();
    await f.waitFor(first);
    expect(seen()).toHaveLength(2);
    expect(checkpoints.read('spec').position).toBe(first);
  });

  it('applies only what the stored checkpoint does not cover yet (another process sharing the file got there first)', async () => {
    const insert = insertSeen();
    const first = await appendNumbered('numbers', 2);
    const head = await appendNumbered('numbers', 1, 2);
    const f = await start(() => {
      // The other process commits its batch while this one prepares the same events.
      checkpoints.init('spec', first);
      return { apply: insert };
    });
    await f.waitFor(head);
    expect(db.prepare('SELECT position FROM seen').pluck().all()).toEqual([head]);
    expect(checkpoints.read('spec').position).toBe(head);
  });

  it('catches up a large log in bounded batches, in order, each event once', async () => {
    for (let chunk = 0; chunk < 6; chunk++) await appendNumbered(`numbers-${chunk}`, 200);
    const head = (await store.headPosition())!;
    const insert = insertSeen();
    const sizes: number[] = [];
    const numbers: number[] = [];
    const f = await start(
      (events) => {
        sizes.push(events.length);
        numbers.push(...events.map((event) => event.data.n as number));
        return { apply: insert };
      },
      { maxBatchSize: 100 },
    );
    await f.waitFor(head);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(numbers).toEqual(Array.from({ length: 6 }, () => Array.from({ length: 200 }, (_, i) => i)).flat());
    expect(seen()).toHaveLength(1200);
  });
});

describe('LogCheckpoints', () => {
  it("keeps each follower's position across opens of the database (another process, a restart)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pll-checkpoints-'));
    const db = new Database(join(dir, 'events.sqlite'));
    try {
      const checkpoints = new LogCheckpoints(db);
      expect(checkpoints.read('projections')).toEqual({ exists: false, position: null });
      expect(checkpoints.init('webhooks', null)).toBeNull();
      checkpoints.write('projections', '42');
      const reopened = new LogCheckpoints(db);
      expect(reopened.read('projections')).toEqual({ exists: true, position: '42' });
      expect(reopened.read('webhooks')).toEqual({ exists: true, position: null });
      // The first position recorded stands: a second init (another process sharing the file) does not move it.
      expect(reopened.init('projections', '7')).toBe('42');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
