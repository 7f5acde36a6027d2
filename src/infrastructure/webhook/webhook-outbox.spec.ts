import { NewDelivery, OutboxRow } from './webhook-outbox.port';
import { OUTBOX_STORAGES, OutboxInstances, newDelivery } from '../../../test/support/webhook-outbox-instances';

const T0 = new Date('2025-07-09T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

const ids = (rows: OutboxRow[]) => rows.map((row) => row.deliveryId);

/** Each case on both storages, with two instances (a and b) sharing one outbox. */
describe.each(OUTBOX_STORAGES)('WebhookOutbox ($name, two instances)', (storage) => {
  let instances: OutboxInstances;
  let a: OutboxInstances['a'];
  let b: OutboxInstances['b'];
  const insert = (deliveries: NewDelivery[], now: Date) => instances.insert(deliveries, now);

  beforeAll(async () => {
    instances = await storage.open();
    ({ a, b } = instances);
  });
  afterAll(() => instances.close());
  beforeEach(() => instances.reset());

  describe('insert', () => {
    it('adds pending rows, due at once', async () => {
      expect(await insert([newDelivery('e1', 'o1', 3)], T0)).toBe(1);
      expect(await b.get('e1')).toMatchObject({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0.toISOString(),
        enqueuedAt: T0.toISOString(),
        leasedUntil: null,
        audited: false,
      });
    });

    it('never enqueues one event twice: a replayed batch or a second instance feeding the same log is a no-op', async () => {
      const batch = [newDelivery('e1', 'o1', 3), newDelivery('e2', 'o2', 4)];
      expect(await insert(batch, T0)).toBe(2);
      // The other instance followed the log more slowly and sees the same events.
      expect(await insert(batch, at(1000))).toBe(0);
      // An instance that read part of it again after a failure.
      expect(await insert([newDelivery('e2', 'o2', 4), newDelivery('e3', 'o3', 9)], at(2000))).toBe(1);
      const rows = await Promise.all(['e1', 'e2', 'e3'].map((id) => a.get(id)));
      expect(rows.map((row) => row?.enqueuedAt)).toEqual([T0.toISOString(), T0.toISOString(), at(2000).toISOString()]);
      expect(rows.map((row) => row?.seq)).toEqual([1, 2, expect.any(Number)]);
    });
  });

  describe('claims and leases', () => {
    beforeEach(() => insert([newDelivery('o1-1', 'o1', 1), newDelivery('o1-2', 'o1', 2), newDelivery('o2-1', 'o2', 3)], T0));

    it('claims due rows oldest first, one per order, and leases them', async () => {
      expect(ids(await a.claimDue(T0, 10, LEASE, 'A', new Set()))).toEqual(['o1-1', 'o2-1']);
      expect(await b.get('o1-1')).toMatchObject({ leaseOwner: 'A', leasedUntil: at(LEASE).toISOString() });
    });

    it('does not let another instance claim a leased row, nor a later row of the same order', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      expect(await b.claimDue(at(1000), 10, LEASE, 'B', new Set())).toEqual([]);
    });

    it('hands an expired lease to another instance (the holder crashed), and the old holder can no longer record a failure', async () => {
      await a.claimDue(T0, 1, LEASE, 'A', new Set());
      expect(ids(await b.claimDue(at(LEASE), 10, LEASE, 'B', new Set()))).toEqual(['o1-1', 'o2-1']);
      expect(await b.get('o1-1')).toMatchObject({ leaseOwner: 'B', leasedUntil: at(2 * LEASE).toISOString() });
      const late = {
        deliveryId: 'o1-1',
        owner: 'A',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(LEASE + 5).toISOString(),
      };
      expect(await a.markRetry({ ...late, httpStatus: 500, error: 'HTTP 500' }, at(LEASE + 1000))).toBe(false);
      expect(await a.release('o1-1', 'A')).toBeUndefined();
      expect(await a.get('o1-1')).toMatchObject({ leaseOwner: 'B', attempts: 0, lastError: null });
    });

    it('skips orders the caller already has in flight and respects the limit', async () => {
      expect(ids(await a.claimDue(T0, 10, LEASE, 'A', new Set(['o1'])))).toEqual(['o2-1']);
      expect(await b.claimDue(T0, 0, LEASE, 'B', new Set())).toEqual([]);
      expect(ids(await b.claimDue(T0, 1, LEASE, 'B', new Set()))).toEqual(['o1-1']);
    });

    it('delivers the next row of an order once the previous one is delivered', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      const record = {
        deliveryId: 'o1-1',
        owner: 'A',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: 200,
        error: null,
      };
      expect(await a.markDelivered(record)).toBe(true);
      expect(await b.get('o1-1')).toMatchObject({
        state: 'delivered',
        attempts: 1,
        lastHttpStatus: 200,
        firstAttemptAt: T0.toISOString(),
        completedAt: at(100).toISOString(),
        leaseOwner: null,
        leasedUntil: null,
        audited: false,
      });
      expect(ids(await b.claimDue(at(200), 10, LEASE, 'B', new Set()))).toEqual(['o1-2']);
    });

    it('keeps a failed attempt on the row and lets a later row of the order go ahead while it backs off', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      const failure = {
        deliveryId: 'o1-1',
        owner: 'A',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: 500,
        error: 'HTTP 500',
      };
      expect(await a.markRetry(failure, at(1100))).toBe(true);
      expect(await b.get('o1-1')).toMatchObject({
        state: 'pending',
        attempts: 1,
        lastError: 'HTTP 500',
        lastHttpStatus: 500,
        nextAttemptAt: at(1100).toISOString(),
        leaseOwner: null,
      });
      expect(await a.nextWakeAt(at(200))).toEqual(at(1100));
      expect(ids(await b.claimDue(at(200), 10, LEASE, 'B', new Set(['o2'])))).toEqual(['o1-2']);
      // Its turn comes again, but o1-2 is out now: the order waits for it.
      expect(await a.claimDue(at(1100), 10, LEASE, 'A', new Set())).toEqual([]);
    });

    it('records a failure or abandonment only for the lease holder, but a delivery whoever sent it (delivered wins)', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      const base = {
        owner: 'B',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: null,
        error: 'ECONNRESET',
      };
      expect(await b.markRetry({ ...base, deliveryId: 'o1-1' }, at(1000))).toBe(false);
      expect(await b.markAbandoned({ ...base, deliveryId: 'o2-1' })).toBe(false);
      expect(await b.markDelivered({ ...base, deliveryId: 'o2-1', httpStatus: 204, error: null })).toBe(true);
      expect(await a.get('o2-1')).toMatchObject({ state: 'delivered', lastHttpStatus: 204 });
      // Once delivered, the holder's own late failure changes nothing, nor does a second delivery.
      expect(await a.markRetry({ ...base, owner: 'A', deliveryId: 'o2-1' }, at(1000))).toBe(false);
      expect(await a.markAbandoned({ ...base, owner: 'A', deliveryId: 'o2-1' })).toBe(false);
      expect(await a.markDelivered({ ...base, owner: 'A', deliveryId: 'o2-1', httpStatus: 200, error: null })).toBe(false);
      expect(await b.get('o2-1')).toMatchObject({ state: 'delivered', lastHttpStatus: 204, lastError: null });
    });

    it('releases a row untouched when its attempt was aborted', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      await a.release('o1-1', 'A');
      expect(await b.get('o1-1')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null, leasedUntil: null });
      expect(ids(await b.claimDue(at(1), 10, LEASE, 'B', new Set()))).toEqual(['o1-1']);
    });

    it('lists completed rows until their audit event is stored', async () => {
      await a.claimDue(T0, 10, LEASE, 'A', new Set());
      const common = { owner: 'A', attempts: 3, firstAttemptAt: T0.toISOString(), attemptedAt: at(100).toISOString() };
      await a.markDelivered({ ...common, deliveryId: 'o1-1', httpStatus: 200, error: null });
      await a.markAbandoned({ ...common, deliveryId: 'o2-1', httpStatus: 503, error: 'HTTP 503' });
      expect((await a.unaudited(10)).map((row) => [row.deliveryId, row.state])).toEqual([
        ['o1-1', 'delivered'],
        ['o2-1', 'abandoned'],
      ]);
      await a.markAudited('o1-1');
      expect(ids(await b.unaudited(10))).toEqual(['o2-1']);
      expect(await b.get('o1-1')).toMatchObject({ audited: true });
    });

    it('wakes up at the earliest future due time or lease expiry', async () => {
      expect(await a.nextWakeAt(T0)).toBeNull();
      await a.claimDue(T0, 1, LEASE, 'A', new Set());
      expect(await a.nextWakeAt(T0)).toEqual(at(LEASE));
    });

    it('lists the rows of one order in enqueue order', async () => {
      expect(ids(await b.forOrder('o1'))).toEqual(['o1-1', 'o1-2']);
      expect(await b.forOrder('nope')).toEqual([]);
      expect(await b.get('nope')).toBeNull();
    });
  });

  describe('two instances claiming at once', () => {
    const ORDERS = 40;
    const PER_ORDER = 5;

    it('hands every delivery to exactly one claimer, one per order at a time, each order in enqueue order', async () => {
      const batch: NewDelivery[] = [];
      // Interleaved as a log would have them: order 0's first, order 1's first, ...
      for (let n = 0; n < PER_ORDER; n++) {
        for (let o = 0; o < ORDERS; o++) batch.push(newDelivery(`o${o}-${n}`, `o${o}`, n * ORDERS + o + 1));
      }
      await insert(batch, T0);

      const claims = new Map<string, string[]>();
      const sentPerOrder = new Map<string, string[]>();
      const held = new Map<string, string>();
      let delivered = 0;
      let overlaps = 0;
      // Two claimers per instance, as a dispatcher's ticks and another process's would be.
      const claimer = async (outbox: OutboxInstances['a'], owner: string) => {
        while (delivered < batch.length) {
          const rows = await outbox.claimDue(T0, 3, LEASE, owner, new Set());
          for (const row of rows) {
            claims.set(row.deliveryId, [...(claims.get(row.deliveryId) ?? []), owner]);
            if (held.has(row.orderId)) overlaps++;
            held.set(row.orderId, row.deliveryId);
            sentPerOrder.set(row.orderId, [...(sentPerOrder.get(row.orderId) ?? []), row.deliveryId]);
          }
          await Promise.all(
            rows.map(async (row) => {
              // Let go in memory first: the next row of the order can only be claimed once the row below is delivered.
              held.delete(row.orderId);
              const record = {
                deliveryId: row.deliveryId,
                owner,
                attempts: 1,
                firstAttemptAt: T0.toISOString(),
                attemptedAt: T0.toISOString(),
              };
              expect(await outbox.markDelivered({ ...record, httpStatus: 200, error: null })).toBe(true);
              delivered++;
            }),
          );
          if (rows.length === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await Promise.all([claimer(a, 'A1'), claimer(a, 'A2'), claimer(b, 'B1'), claimer(b, 'B2')]);

      expect(delivered).toBe(batch.length);
      expect([...claims.keys()].sort()).toEqual(batch.map((d) => d.deliveryId).sort());
      expect([...claims.values()].filter((owners) => owners.length !== 1)).toEqual([]);
      expect(overlaps).toBe(0);
      for (let o = 0; o < ORDERS; o++) {
        expect(sentPerOrder.get(`o${o}`)).toEqual(Array.from({ length: PER_ORDER }, (_, n) => `o${o}-${n}`));
      }
      // Both instances took part (the claims were concurrent, not one instance draining the table).
      const owners = new Set([...claims.values()].flat().map((owner) => owner[0]));
      expect(owners).toEqual(new Set(['A', 'B']));
      expect(await a.unaudited(1000)).toHaveLength(batch.length);
    });
  });
});
