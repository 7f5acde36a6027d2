import { Logger } from '@nestjs/common';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { TimeOrderedIdGenerator } from '../../infrastructure/system/time-ordered-id-generator';
import { makeTempDir } from '../../../test/support/temp-dir';
import { TestClock } from '../../../test/support/test-clock';
import { EMPTY_STREAM, appendChained } from './chained-append';
import { LedgerDigests } from './ledger-digests';
import { proveDigest, verifyLedger } from './ledger-verifier';

const CONTEXT = { correlationId: 'c', causationId: null, actor: 'admin' as const };

describe('LedgerDigests (real SQLite store)', () => {
  const dir = makeTempDir('pll-digests');
  const clock = new TestClock(new Date('2026-03-01T10:00:00.000Z'));
  const ids = new TimeOrderedIdGenerator(clock);
  let store: SqliteEventStore;
  let digests: LedgerDigests;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    store = new SqliteEventStore({ filename: `${dir.path}/events.sqlite`, clock });
    digests = new LedgerDigests(store, clock, ids);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await store.close();
    dir.remove();
  });

  const event = (n: number) => ({ id: ids.next(), type: 'T', data: { n }, metadata: { ...CONTEXT, schemaVersion: 1 } });

  it('digests the log up to its head, lists newest first, and each digest still proves and verifies later', async () => {
    const empty = await digests.record(CONTEXT);
    expect(empty).toMatchObject({ position: null, events: 0, streams: 0 });
    await appendChained(store, 'a', EMPTY_STREAM, [event(1), event(2)]);
    clock.advance(1_000);
    const second = await digests.record(CONTEXT);
    // The log now holds the first digest (its own stream) and two events of `a`.
    expect(second).toMatchObject({ events: 3, streams: 2, createdAt: '2026-03-01T10:00:01.000Z' });
    await appendChained(store, 'b', EMPTY_STREAM, [event(3)]);

    expect(await digests.list(10)).toEqual([second, empty]);
    expect(await digests.list(1)).toEqual([second]);
    expect(await proveDigest(store, second.root)).toMatchObject({ held: true, position: second.position, events: 3 });
    expect(await proveDigest(store, empty.root)).toMatchObject({ held: true, position: null });
    const report = await verifyLedger(store);
    expect(report).toMatchObject({ breaks: [], digests: 2, events: 5, streams: 3 });
  });
});
