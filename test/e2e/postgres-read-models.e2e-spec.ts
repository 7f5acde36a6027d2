import { Client } from 'pg';
import request from 'supertest';
import { EVENT_STORE, EventStore } from '../../src/application/ports/event-store.port';
import { APPLY_LEASE, ApplyLease } from '../../src/infrastructure/log-follower/apply-lease';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { LogCapture } from '../support/log-capture';
import { TestDatabase, createTestDatabase } from '../support/postgres/test-database';
import { makeTempDir } from '../support/temp-dir';
import { KEYS, TestApp, startTestApp } from '../support/test-app';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
let sequence = 0;
const payoutBody = () => ({
  orderId: `ord_pgrm_${++sequence}`,
  pix: { endToEndId: `E${String(sequence).padStart(31, '7')}`, amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' },
  amountSats: 21000,
});

/** Two real apps on one PostgreSQL database: one applies the read models, both serve them. */
describe('Read models in PostgreSQL shared by two instances (real apps, HTTP on 127.0.0.1)', () => {
  const dir = makeTempDir('pll-pg-read-models');
  let database: TestDatabase;
  let first: TestApp | null = null;
  let second: TestApp;

  const logs = new LogCapture('info');
  const start = () =>
    startTestApp({
      dataDir: dir.path,
      logger: logs.logger,
      env: { EVENT_STORE: 'postgres', DATABASE_URL: database.url, METRICS_ENABLED: 'true' },
    });
  const lease = (t: TestApp) => t.app.get<ApplyLease>(APPLY_LEASE);
  const caughtUp = async (t: TestApp) => {
    const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    await t.app.get(ProjectionRunner).waitFor(head!);
  };

  beforeAll(async () => {
    database = await createTestDatabase('read_models_e2e');
    first = await start();
    second = await start();
  });
  afterAll(async () => {
    await first?.close();
    await second.close();
    await database.drop();
    dir.remove();
  });

  it('serves from the shared tables (API, stats, readiness, metrics) on the instance that does not apply, and hands the lease over when the other stops', async () => {
    expect([lease(first!).held, lease(second).held]).toEqual([true, false]);
    const created = payoutBody();
    await request(second.url).post('/v1/payouts').set(bearer(KEYS.bot)).send(created).expect(201);
    await caughtUp(second);

    const listed = await request(second.url).get('/v1/admin/payouts').set(bearer(KEYS.admin)).expect(200);
    expect(listed.body.items.map((p: { orderId: string }) => p.orderId)).toEqual([created.orderId]);
    const stats = await request(second.url).get('/v1/admin/stats').set(bearer(KEYS.admin)).expect(200);
    expect(stats.body).toMatchObject({ byStatus: { AWAITING_DESTINATION: 1 }, projectionLagMs: 0 });
    await request(second.url).get('/health/ready').expect(200);
    const scrape = await request(second.url).get('/metrics').set(bearer(KEYS.admin)).expect(200);
    expect(scrape.text).toContain('pll_payouts{status="AWAITING_DESTINATION"} 1');
    expect(scrape.text).toContain('pll_fallback_queue_depth 0');
    expect(scrape.text).toContain('pll_projection_lag_seconds{follower="projections"} 0');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query('SELECT order_id FROM payouts')).rows).toEqual([{ order_id: created.orderId }]);
    } finally {
      await client.end();
    }

    const takenOver = new Promise<void>((resolve) => lease(second).onChange((held) => held && resolve()));
    await first!.close();
    first = null;
    await takenOver;
    const later = payoutBody();
    await request(second.url).post('/v1/payouts').set(bearer(KEYS.bot)).send(later).expect(201);
    await caughtUp(second);
    const after = await request(second.url).get('/v1/admin/payouts').set(bearer(KEYS.admin)).expect(200);
    expect(after.body.items.map((p: { orderId: string }) => p.orderId)).toEqual([created.orderId, later.orderId]);
    // The first instance stopped cleanly: its followers stopped before the pool closed.
    expect(logs.lines.filter((line) => line.level === 'error' || (line.level === 'warn' && line.context !== 'SandboxMode'))).toEqual([]);
    expect(logs.lines.filter((line) => String(line.msg).startsWith('projection lease taken'))).toHaveLength(2);
  });
});
