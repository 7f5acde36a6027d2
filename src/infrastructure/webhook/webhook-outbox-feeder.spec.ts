import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import { EventToAppend } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { ORDER_ID, ev, history, invoice } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { StoreWithReadModel, openStoreWithReadModel } from '../../../test/support/store-with-read-model';
import { LogCheckpoints, WEBHOOKS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { SqliteFollowerStorage } from '../log-follower/sqlite-follower-storage';
import { LogFollower } from '../log-follower/log-follower';
import { SqliteWebhookOutbox } from './sqlite-webhook-outbox';
import { WebhookOutboxFeeder } from './webhook-outbox-feeder';

const clock = { now: () => new Date('2025-07-09T12:00:00.000Z') };
const envelope = (event: PayoutEvent): EventToAppend => ({
  id: randomUUID(),
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  metadata: { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1 },
});

describe('WebhookOutboxFeeder on a LogFollower (real SqliteEventStore)', () => {
  let fixture: StoreWithReadModel;
  let store: SqliteEventStore;
  let db: Database.Database;
  let outbox: SqliteWebhookOutbox;
  let checkpoints: LogCheckpoints;
  let payouts: PayoutRepository;
  let feeder: LogFollower<unknown> | null;
  let enqueued: () => void;

  beforeEach(() => {
    fixture = openStoreWithReadModel(clock, 'pll-feeder');
    ({ store, db } = fixture);
    outbox = new SqliteWebhookOutbox(db);
    checkpoints = new LogCheckpoints(db);
    payouts = new PayoutRepository(store, { next: () => randomUUID() });
    enqueued = () => undefined;
    feeder = null;
  });
  afterEach(async () => {
    await feeder?.stop();
    await fixture.close();
    jest.restoreAllMocks();
  });

  const start = async () => {
    feeder = new LogFollower<unknown>({
      name: WEBHOOKS_CHECKPOINT,
      store,
      storage: new SqliteFollowerStorage(db, checkpoints),
      handler: new WebhookOutboxFeeder(
        payouts,
        (_tx, deliveries, now) => outbox.insert(deliveries, now),
        clock,
        () => enqueued(),
      ),
      clock,
      random: () => 0,
      retryBaseMs: 5,
      firstStart: 'head',
    });
    await feeder.start();
  };
  const nextEnqueue = () => new Promise<void>((resolve) => (enqueued = resolve));

  it('folds each stream up to the event: the body carries the Payout as it stood then', async () => {
    const a = invoice('a');
    await start();
    const done = nextEnqueue();
    const events = [...history.addressClaimed(a), ev.failed(a, true), ev.retryQueued(), ev.cancelled()].map(envelope);
    await store.append(payoutStreamName(ORDER_ID), events.slice(0, 6), 'no_stream');
    await store.append(payoutStreamName(ORDER_ID), events.slice(6), 5);
    await done;
    while ((await outbox.forOrder(ORDER_ID)).length < 2) await nextEnqueue();
    const rows = await outbox.forOrder(ORDER_ID);
    expect(rows.map((row) => [row.deliveryId, row.type])).toEqual([
      [events[5].id, 'payout.retry_queued'],
      [events[6].id, 'payout.cancelled'],
    ]);
    expect(JSON.parse(rows[0].body).payout.status).toBe('RETRY_QUEUED');
    expect(JSON.parse(rows[1].body).payout.status).toBe('CANCELLED');
  });

  it('resumes from its own checkpoint after a failed batch: nothing skipped, nothing twice', async () => {
    const failOnce = jest.spyOn(outbox, 'insert').mockImplementationOnce(() => {
      throw new Error('SQLITE_BUSY: database is locked');
    });
    await start();
    const done = nextEnqueue();
    const events = [ev.pixConfirmed(), ev.escalated()].map(envelope);
    await store.append(payoutStreamName(ORDER_ID), events, 'no_stream');
    await done;
    expect(failOnce).toHaveBeenCalledTimes(2);
    expect((await outbox.forOrder(ORDER_ID)).map((row) => [row.deliveryId, row.type])).toEqual([[events[1].id, 'payout.needs_attention']]);
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining('(attempt 1); resuming from the stored checkpoint'));
  });

  it('starts at the head of the log the first time, then from its checkpoint', async () => {
    await store.append(payoutStreamName('old'), [ev.pixConfirmed({ orderId: 'old' }), ev.cancelled()].map(envelope), 'no_stream');
    await start();
    expect(checkpoints.read(WEBHOOKS_CHECKPOINT)).toEqual({ exists: true, position: '2' });
    await feeder!.stop();

    await store.append(payoutStreamName('new'), [ev.pixConfirmed({ orderId: 'new' }), ev.cancelled()].map(envelope), 'no_stream');
    const done = nextEnqueue();
    await start();
    await done;
    expect(await outbox.forOrder('old')).toEqual([]);
    expect((await outbox.forOrder('new')).map((row) => row.type)).toEqual(['payout.cancelled']);
    expect(checkpoints.read(WEBHOOKS_CHECKPOINT).position).toBe('4');
  });

  it('reads each order of a batch once, up to just before its first event there, and not at all from revision 0', async () => {
    const a = invoice('a');
    const events = [...history.addressClaimed(a), ev.failed(a, true), ev.retryQueued(), ev.cancelled()].map(envelope);
    await store.append(payoutStreamName(ORDER_ID), events.slice(0, 5), 'no_stream');
    await start();
    const reads = jest.spyOn(payouts, 'stateBefore');
    const done = nextEnqueue();
    await store.append(payoutStreamName(ORDER_ID), events.slice(5), 4);
    await store.append(payoutStreamName('fresh'), [ev.pixConfirmed({ orderId: 'fresh' }), ev.cancelled()].map(envelope), 'no_stream');
    await done;
    while ((await outbox.forOrder('fresh')).length < 1) await nextEnqueue();
    expect((await outbox.forOrder(ORDER_ID)).map((row) => row.type)).toEqual(['payout.retry_queued', 'payout.cancelled']);
    expect(JSON.parse((await outbox.forOrder(ORDER_ID))[0].body).payout.status).toBe('RETRY_QUEUED');
    const readsOf = (orderId: string) => reads.mock.calls.filter(([id]) => id === orderId).map(([, revision]) => revision);
    expect(readsOf(ORDER_ID)).toEqual([5]);
    expect(readsOf('fresh')).toEqual([0]);
  });
});
