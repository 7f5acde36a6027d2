import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { NewDelivery, WebhookOutbox } from './webhook-outbox';

const T0 = new Date('2025-07-09T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;

function delivery(id: string, orderId: string, position: string, type: NewDelivery['type'] = 'payout.settled'): NewDelivery {
  return { deliveryId: id, orderId, type, eventPosition: position, body: JSON.stringify({ id, type, orderId }) };
}

/** Two connections on one file: two service processes sharing the SQLite database. */
describe('WebhookOutbox (SQLite, two connections on one file)', () => {
  let dir: string;
  let dbA: Database.Database;
  let dbB: Database.Database;
  let a: WebhookOutbox;
  let b: WebhookOutbox;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pll-outbox-'));
    const open = () => {
      const db = new Database(join(dir, 'events.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      return db;
    };
    dbA = open();
    dbB = open();
    a = new WebhookOutbox(dbA);
    b = new WebhookOutbox(dbB);
  });
  afterEach(() => {
    dbA.close();
    dbB.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('insert', () => {
    it('adds pending rows, due at once', () => {
      expect(a.insert([delivery('e1', 'o1', '3')], T0)).toBe(1);
      expect(b.get('e1')).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0.toISOString(), enqueuedAt: T0.toISOString() });
    });

    it('never enqueues one event twice: a replayed batch or a second process feeding the same log is a no-op', () => {
      const batch = [delivery('e1', 'o1', '3'), delivery('e2', 'o2', '4')];
      expect(a.insert(batch, T0)).toBe(2);
      // The other process followed the log more slowly and sees the same events.
      expect(b.insert(batch, at(1000))).toBe(0);
      // A process that read part of it again after a failure.
      expect(a.insert([delivery('e2', 'o2', '4'), delivery('e3', 'o3', '9')], at(2000))).toBe(1);
      expect([a.get('e1'), a.get('e2'), a.get('e3')].map((row) => row?.enqueuedAt)).toEqual([
        T0.toISOString(),
        T0.toISOString(),
        at(2000).toISOString(),
      ]);
    });
  });

  describe('claims and leases', () => {
    beforeEach(() => {
      a.insert([delivery('o1-1', 'o1', '1'), delivery('o1-2', 'o1', '2'), delivery('o2-1', 'o2', '3')], T0);
    });

    it('claims due rows oldest first, one per order, and leases them', () => {
      const claimed = a.claimDue(T0, 10, LEASE, 'A', new Set());
      expect(claimed.map((row) => row.deliveryId)).toEqual(['o1-1', 'o2-1']);
      expect(a.get('o1-1')).toMatchObject({ leaseOwner: 'A', leasedUntil: at(LEASE).toISOString() });
    });

    it('does not let another process claim a leased row, nor a later row of the same order', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      expect(b.claimDue(at(1000), 10, LEASE, 'B', new Set())).toEqual([]);
    });

    it('hands an expired lease to another process (the holder crashed)', () => {
      a.claimDue(T0, 1, LEASE, 'A', new Set());
      expect(b.claimDue(at(LEASE), 10, LEASE, 'B', new Set()).map((row) => row.deliveryId)).toEqual(['o1-1', 'o2-1']);
    });

    it('skips orders the caller already has in flight and respects the limit', () => {
      expect(a.claimDue(T0, 10, LEASE, 'A', new Set(['o1'])).map((row) => row.deliveryId)).toEqual(['o2-1']);
      expect(b.claimDue(T0, 0, LEASE, 'B', new Set())).toEqual([]);
    });

    it('delivers the next row of an order once the previous one is delivered', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      const record = {
        deliveryId: 'o1-1',
        owner: 'A',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: 200,
        error: null,
      };
      expect(a.markDelivered(record)).toBe(true);
      expect(a.get('o1-1')).toMatchObject({
        state: 'delivered',
        attempts: 1,
        lastHttpStatus: 200,
        completedAt: at(100).toISOString(),
        leaseOwner: null,
        audited: false,
      });
      expect(b.claimDue(at(200), 10, LEASE, 'B', new Set()).map((row) => row.deliveryId)).toEqual(['o1-2']);
    });

    it('keeps a failed attempt on the row and lets a later row of the order go ahead while it backs off', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      const failure = {
        deliveryId: 'o1-1',
        owner: 'A',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: 500,
        error: 'HTTP 500',
      };
      expect(a.markRetry(failure, at(1100))).toBe(true);
      expect(a.get('o1-1')).toMatchObject({
        state: 'pending',
        attempts: 1,
        lastError: 'HTTP 500',
        lastHttpStatus: 500,
        nextAttemptAt: at(1100).toISOString(),
        leaseOwner: null,
      });
      expect(a.nextWakeAt(at(200))).toEqual(at(1100));
      expect(a.claimDue(at(200), 10, LEASE, 'A', new Set(['o2'])).map((row) => row.deliveryId)).toEqual(['o1-2']);
      expect(a.claimDue(at(1100), 10, LEASE, 'A', new Set(['o1', 'o2']))).toEqual([]);
    });

    it('records a failure or abandonment only for the lease holder, but a delivery whoever sent it', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      const base = {
        owner: 'B',
        attempts: 1,
        firstAttemptAt: T0.toISOString(),
        attemptedAt: at(100).toISOString(),
        httpStatus: null,
        error: 'ECONNRESET',
      };
      expect(b.markRetry({ ...base, deliveryId: 'o1-1' }, at(1000))).toBe(false);
      expect(b.markAbandoned({ ...base, deliveryId: 'o2-1' })).toBe(false);
      expect(b.markDelivered({ ...base, deliveryId: 'o2-1', httpStatus: 204, error: null })).toBe(true);
      expect(a.get('o2-1')).toMatchObject({ state: 'delivered', lastHttpStatus: 204 });
    });

    it('releases a row untouched when its attempt was aborted', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      a.release('o1-1', 'A');
      expect(a.get('o1-1')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null, leasedUntil: null });
      expect(b.claimDue(at(1), 10, LEASE, 'B', new Set()).map((row) => row.deliveryId)).toEqual(['o1-1']);
    });

    it('lists completed rows until their audit event is stored', () => {
      a.claimDue(T0, 10, LEASE, 'A', new Set());
      const common = { owner: 'A', attempts: 3, firstAttemptAt: T0.toISOString(), attemptedAt: at(100).toISOString() };
      a.markDelivered({ ...common, deliveryId: 'o1-1', httpStatus: 200, error: null });
      a.markAbandoned({ ...common, deliveryId: 'o2-1', httpStatus: 503, error: 'HTTP 503' });
      expect(a.unaudited(10).map((row) => [row.deliveryId, row.state])).toEqual([
        ['o1-1', 'delivered'],
        ['o2-1', 'abandoned'],
      ]);
      a.markAudited('o1-1');
      expect(b.unaudited(10).map((row) => row.deliveryId)).toEqual(['o2-1']);
    });

    it('wakes up at the earliest future due time or lease expiry', () => {
      expect(a.nextWakeAt(T0)).toBeNull();
      a.claimDue(T0, 1, LEASE, 'A', new Set());
      expect(a.nextWakeAt(T0)).toEqual(at(LEASE));
    });
  });
});
