import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import { join } from 'path';
import request from 'supertest';
import { EVENT_STORE, EventStore, EventToAppend } from '../../src/application/ports/event-store.port';
import { schemaVersionOf } from '../../src/domain/events/event-catalogue';
import { PayoutEvent } from '../../src/domain/payout/payout-events';
import { ORDER_ID, ev, history, invoice } from '../../src/domain/payout/payout.fixtures';
import { payoutStreamName } from '../../src/domain/streams/stream-names';
import { PROJECTION_LAG_BOUND_MS } from '../../src/infrastructure/health/readiness.service';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { KEYS, TestApp, startTestApp } from '../support/test-app';
import { TestClock } from '../support/test-clock';

const envelope = (event: PayoutEvent): EventToAppend => ({
  id: randomUUID(),
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  metadata: { correlationId: randomUUID(), causationId: null, actor: 'system', schemaVersion: schemaVersionOf(event.type) },
});

/**
 * The read-model file is locked by another connection (an operator's
 * sqlite3 shell, a backup) while events arrive: the projections' follower
 * keeps retrying, readiness says so once it trails for longer than the
 * bound, and everything catches up when the lock goes, without a restart.
 */
describe('Projections survive a locked read-model database (real app, real SQLite file)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let locker: Database.Database | null = null;

  beforeAll(async () => {
    // No sweep during the test: it would act on the queued order the test appends.
    t = await startTestApp({ clock, env: { FALLBACK_CRON: '0 0 1 1 *' } });
  });
  afterAll(async () => {
    locker?.close();
    await t?.close();
  });

  const ready = () => request(t.url).get('/health/ready');
  const admin = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${KEYS.admin}`);

  it('reports the lag and the error while the file is locked, then recovers to 200 and the views catch up', async () => {
    const healthy = await ready().expect(200);
    expect(healthy.body.followers.map((f: { name: string }) => f.name)).toEqual(['projections']);

    const store = t.app.get<EventStore>(EVENT_STORE);
    const events = [...history.addressClaimed(invoice('locked')), ev.failed(invoice('locked'), true), ev.retryQueued()].map(envelope);
    const { position: head } = await store.append(payoutStreamName(ORDER_ID), events, 'no_stream');
    // Taken before the follower's 20 ms batch window closes: its batch meets the lock.
    locker = new Database(join(t.dataDir, 'events.sqlite'));
    locker.exec('BEGIN EXCLUSIVE');

    let report = (await ready()).body;
    for (let polls = 0; report.projections.retries === 0 && polls < 100; polls++) report = (await ready()).body;
    expect(report.projections).toMatchObject({
      position: null,
      head,
      retries: expect.any(Number),
      error: expect.stringContaining('locked'),
    });
    expect(report.projections.retries).toBeGreaterThan(0);

    clock.advance(PROJECTION_LAG_BOUND_MS + 1_000);
    const stale = await ready().expect(503);
    expect(stale.body).toMatchObject({
      ready: false,
      eventStore: { reachable: true },
      projections: { head, error: expect.stringContaining('locked') },
    });
    expect(stale.body.projections.behindForMs).toBeGreaterThan(PROJECTION_LAG_BOUND_MS);
    expect(stale.body.followers[0]).toMatchObject({ name: 'projections', head, error: expect.stringContaining('locked') });

    locker.exec('COMMIT');
    await t.app.get(ProjectionRunner).waitFor(head);

    const recovered = await ready().expect(200);
    expect(recovered.body.projections).toEqual({ position: head, head, behindForMs: 0, retries: 0 });
    expect((await admin('/v1/admin/payouts').expect(200)).body.items.map((p: { orderId: string }) => p.orderId)).toEqual([ORDER_ID]);
    expect((await admin('/v1/admin/fallback-queue').expect(200)).body.items).toEqual([
      expect.objectContaining({ orderId: ORDER_ID, status: 'RETRY_QUEUED' }),
    ]);
  }, 60_000);
});
