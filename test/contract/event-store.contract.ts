import { randomUUID } from 'node:crypto';
import {
  ANY,
  ConcurrencyError,
  NO_STREAM,
  STREAM_EXISTS,
  comparePositions,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type StoredEvent,
} from '../../src/application/ports/event-store.port';
import { EMPTY_STREAM, appendChained, readHead } from '../../src/application/ledger-integrity/chained-append';
import { LedgerScan } from '../../src/application/ledger-integrity/ledger-scan';
import { chainHash, chainOf } from '../../src/domain/ledger/event-chain';

/**
 * The event store contract (docs/architecture.md, "Event store port"): every adapter
 * must pass these cases unchanged.
 *
 * The cases only rely on the streams they create (random names) and on
 * positions they obtained themselves, so they also hold against a shared
 * EventStoreDB where other events already sit in $all.
 */
export interface EventStoreUnderTest {
  store: EventStore;
  cleanup(): Promise<void>;
}

export type EventStoreFactory = () => Promise<EventStoreUnderTest>;

const WAIT_TIMEOUT_MS = 5_000;

export function uniqueStream(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function newEvent(type = 'TestEvent', data: Record<string, unknown> = {}, metadata: Partial<EventMetadata> = {}): EventToAppend {
  return {
    // EventStoreDB only takes UUIDs as event ids.
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: 'system', schemaVersion: 1, ...metadata },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
  }
  return items;
}

export async function expectConflict(attempt: Promise<unknown>, actual: number | typeof NO_STREAM): Promise<ConcurrencyError> {
  const error = await attempt.then(
    () => {
      throw new Error(`expected a ConcurrencyError (actual ${String(actual)}), but the append succeeded`);
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConcurrencyError);
  expect((error as ConcurrencyError).actual).toBe(actual);
  return error as ConcurrencyError;
}

/**
 * Lets a test await a condition that a subscription handler makes true,
 * instead of sleeping: the handler calls notify(), waiters re-check.
 */
export class Condition {
  private waiters: Array<{ holds: () => boolean; resolve: () => void }> = [];

  notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.holds()) {
        waiter.resolve();
        return false;
      }
      return true;
    });
  }

  wait(holds: () => boolean, description: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
    if (holds()) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.holds !== holds);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`));
      }, timeoutMs);
      this.waiters.push({
        holds,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

function ids(events: Array<{ id: string }>): string[] {
  return events.map((event) => event.id);
}

export function runEventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`${name} (event store contract)`, () => {
    let underTest: EventStoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      underTest = await factory();
      store = underTest.store;
    });

    afterEach(async () => {
      await underTest.cleanup();
    });

    it('appends to a new stream with NO_STREAM, revisions from 0, position of the last event', async () => {
      const stream = uniqueStream('new');
      const events = [newEvent('A'), newEvent('B'), newEvent('C')];

      const result = await store.append(stream, events, NO_STREAM);

      expect(result.nextRevision).toBe(2);
      const stored = await collect(store.readStream(stream));
      expect(ids(stored)).toEqual(ids(events));
      expect(stored.map((event) => event.revision)).toEqual([0, 1, 2]);
      expect(stored.map((event) => event.type)).toEqual(['A', 'B', 'C']);
      expect(stored.every((event) => event.stream === stream)).toBe(true);
      expect(stored[2].position).toBe(result.position);
      expect(stored.every((event) => new Date(event.createdAt).toISOString() === event.createdAt)).toBe(true);
    });

    it('refuses NO_STREAM on an existing stream with a ConcurrencyError', async () => {
      const stream = uniqueStream('no-stream');
      await store.append(stream, [newEvent()], NO_STREAM);

      const error = await expectConflict(store.append(stream, [newEvent()], NO_STREAM), 0);

      expect(error.stream).toBe(stream);
      expect(error.expected).toBe(NO_STREAM);
      expect(await collect(store.readStream(stream))).toHaveLength(1);
    });

    it('refuses STREAM_EXISTS on a missing stream', async () => {
      const stream = uniqueStream('exists-missing');

      await expectConflict(store.append(stream, [newEvent()], STREAM_EXISTS), NO_STREAM);

      expect(await collect(store.readStream(stream))).toEqual([]);
    });

    it('accepts STREAM_EXISTS on an existing stream', async () => {
      const stream = uniqueStream('exists');
      await store.append(stream, [newEvent(), newEvent()], NO_STREAM);

      const result = await store.append(stream, [newEvent()], STREAM_EXISTS);

      expect(result.nextRevision).toBe(2);
    });

    it('accepts the right expected revision', async () => {
      const stream = uniqueStream('exact-right');
      await store.append(stream, [newEvent(), newEvent()], NO_STREAM);

      const result = await store.append(stream, [newEvent()], 1);

      expect(result.nextRevision).toBe(2);
      expect(await collect(store.readStream(stream))).toHaveLength(3);
    });

    it('refuses a wrong expected revision and reports the actual one', async () => {
      const stream = uniqueStream('exact-wrong');
      await expectConflict(store.append(stream, [newEvent()], 0), NO_STREAM);
      await store.append(stream, [newEvent(), newEvent()], NO_STREAM);

      await expectConflict(store.append(stream, [newEvent()], 0), 1);
      const error = await expectConflict(store.append(stream, [newEvent()], 5), 1);

      expect(error.expected).toBe(5);
      expect(await collect(store.readStream(stream))).toHaveLength(2);
    });

    it('accepts ANY on missing and existing streams', async () => {
      const stream = uniqueStream('any');

      expect((await store.append(stream, [newEvent()], ANY)).nextRevision).toBe(0);
      expect((await store.append(stream, [newEvent(), newEvent()], ANY)).nextRevision).toBe(2);
    });

    it('lets exactly one of concurrent appends with the same expected revision win', async () => {
      const stream = uniqueStream('race');
      await store.append(stream, [newEvent()], NO_STREAM);
      const contenders = Array.from({ length: 10 }, () => newEvent('Claim'));

      const outcomes = await Promise.allSettled(contenders.map((event) => store.append(stream, [event], 0)));

      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const outcome of lost) {
        expect(outcome.reason).toBeInstanceOf(ConcurrencyError);
        expect((outcome.reason as ConcurrencyError).actual).toBe(1);
      }
      const stored = await collect(store.readStream(stream));
      expect(stored).toHaveLength(2);
      expect(contenders.map((event) => event.id)).toContain(stored[1].id);
    });

    it('treats re-appending stored event ids as an idempotent no-op', async () => {
      const stream = uniqueStream('idempotent');
      const batch = [newEvent('A'), newEvent('B')];
      const first = await store.append(stream, batch, NO_STREAM);

      // The same batch again, as after a lost acknowledgement.
      expect(await store.append(stream, batch, NO_STREAM)).toEqual(first);

      const next = newEvent('C');
      const second = await store.append(stream, [next], 1);
      expect(second.nextRevision).toBe(2);
      // A retry with the expected revision of the original attempt, and one with ANY.
      expect(await store.append(stream, [next], 1)).toEqual(second);
      expect(await store.append(stream, [next], ANY)).toEqual(second);

      const stored = await collect(store.readStream(stream));
      expect(ids(stored)).toEqual([...ids(batch), next.id]);
      expect(stored[1].position).toBe(first.position);
      expect(stored[2].position).toBe(second.position);
    });

    it('round-trips data and metadata', async () => {
      const stream = uniqueStream('metadata');
      const cause = newEvent(
        'PixConfirmed',
        { orderId: 'o-1', amountCents: 12_345, amountSats: 21_000, payer: { name: 'José Ünicode ⚡' }, tags: ['a', 'b'] },
        { correlationId: 'corr-1', causationId: null, actor: 'bot', schemaVersion: 1 },
      );
      const effect = newEvent(
        'AddressResolved',
        { invoice: 'lnbc1...', expiresAt: '2025-01-01T00:10:00.000Z', nothing: null },
        { correlationId: 'corr-1', causationId: cause.id, actor: 'admin', schemaVersion: 3, requestId: 'req-9' },
      );

      const marker = await store.append(uniqueStream('metadata-marker'), [newEvent('Marker')], NO_STREAM);

      await store.append(stream, [cause, effect], NO_STREAM);

      const expected = [cause, effect].map((event, revision) => expect.objectContaining({ ...event, stream, revision }));
      expect(await collect(store.readStream(stream))).toEqual(expected);
      const fromLog = (await collect(store.readAll({ after: marker.position }))).filter((event) => event.stream === stream);
      expect(fromLog).toEqual(expected);
    });

    it('reads a stream forwards, backwards, from a revision and with a limit', async () => {
      const stream = uniqueStream('read');
      const events = Array.from({ length: 5 }, (_, index) => newEvent(`E${index}`));
      await store.append(stream, events, NO_STREAM);
      const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await collect(store.readStream(stream, options))).map((event) => event.revision);

      expect(await revisions({})).toEqual([0, 1, 2, 3, 4]);
      expect(await revisions({ from: 2 })).toEqual([2, 3, 4]);
      expect(await revisions({ limit: 2 })).toEqual([0, 1]);
      expect(await revisions({ from: 1, limit: 2 })).toEqual([1, 2]);
      expect(await revisions({ from: 7 })).toEqual([]);
      expect(await revisions({ direction: 'backwards' })).toEqual([4, 3, 2, 1, 0]);
      expect(await revisions({ direction: 'backwards', from: 3, limit: 2 })).toEqual([3, 2]);
      expect(await revisions({ direction: 'backwards', from: 0 })).toEqual([0]);
      expect(await revisions({ direction: 'forwards', limit: 0 })).toEqual([]);
    });

    it('reads a missing stream as empty', async () => {
      const stream = uniqueStream('missing');

      expect(await collect(store.readStream(stream))).toEqual([]);
      expect(await collect(store.readStream(stream, { direction: 'backwards' }))).toEqual([]);
      expect(await collect(store.readStream(stream, { from: 3, limit: 10 }))).toEqual([]);
    });

    it('keeps one global order across streams, positions strictly increasing', async () => {
      const streams = [uniqueStream('order-a'), uniqueStream('order-b'), uniqueStream('order-c')];
      const marker = await store.append(uniqueStream('order-marker'), [newEvent('Marker')], NO_STREAM);
      const appended: Array<{ id: string; position: string }> = [];
      const revisions = new Map<string, number>();
      for (let round = 0; round < 4; round += 1) {
        for (const stream of [streams[round % 3], streams[(round + 1) % 3], streams[(round + 2) % 3]]) {
          const event = newEvent('Interleaved', { round });
          const expected = revisions.get(stream) ?? NO_STREAM;
          const result = await store.append(stream, [event], expected);
          revisions.set(stream, result.nextRevision);
          appended.push({ id: event.id, position: result.position });
        }
      }

      const log = (await collect(store.readAll({ after: marker.position }))).filter((event) => streams.includes(event.stream));

      expect(log.map(({ id, position }) => ({ id, position }))).toEqual(appended);
      for (let index = 1; index < log.length; index += 1) {
        expect(comparePositions(log[index - 1].position, log[index].position)).toBe(-1);
      }
      expect(comparePositions(marker.position, log[0].position)).toBe(-1);
    });

    it('reads the global log after a position (exclusive) with a limit', async () => {
      const streams = [uniqueStream('after-a'), uniqueStream('after-b')];
      const events = Array.from({ length: 5 }, (_, index) => newEvent('Paged', { index }));
      const positions: string[] = [];
      for (const [index, event] of events.entries()) {
        const stream = streams[index % 2];
        const result = await store.append(stream, [event], index < 2 ? NO_STREAM : ANY);
        positions.push(result.position);
      }

      expect(ids(await collect(store.readAll({ after: positions[1], limit: 2 })))).toEqual([events[2].id, events[3].id]);
      expect(ids(await collect(store.readAll({ after: positions[3], limit: 10 })))).toEqual([events[4].id]);
      expect(await collect(store.readAll({ after: positions[0], limit: 0 }))).toEqual([]);
      const afterLast = await collect(store.readAll({ after: positions[4] }));
      expect(afterLast.filter((event) => streams.includes(event.stream))).toEqual([]);
    });

    it('subscribes from a position (exclusive): catch-up, then live, in order, once each, until closed', async () => {
      const stream = uniqueStream('subscription');
      const events = Array.from({ length: 13 }, (_, index) => newEvent('Tick', { index }));
      const first = await store.append(stream, [events[0]], NO_STREAM);
      await store.append(stream, [events[1]], 0);
      const received: StoredEvent[] = [];
      const changed = new Condition();
      let inFlight = 0;
      let maxInFlight = 0;

      const subscription = store.subscribe({ after: first.position }, async (event) => {
        if (event.stream !== stream) {
          return;
        }
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Yield to the event loop so that overlapping deliveries would show.
        await new Promise((resolve) => setImmediate(resolve));
        received.push(event);
        inFlight -= 1;
        changed.notify();
      });
      await changed.wait(() => received.length >= 1, 'the catch-up event');
      for (let index = 2; index <= 11; index += 1) {
        await store.append(stream, [events[index]], index - 1);
      }
      await changed.wait(() => received.length >= 11, 'the live events');

      expect(ids(received)).toEqual(ids(events.slice(1, 12)));
      expect(received.map((event) => event.revision)).toEqual(Array.from({ length: 11 }, (_, index) => index + 1));
      expect(maxInFlight).toBe(1);

      await subscription.close();
      const last = await store.append(stream, [events[12]], 11);
      // A second subscription seeing the event proves the store had every
      // chance to deliver it to the first one too.
      const witness: StoredEvent[] = [];
      const witnessSubscription = store.subscribe({ after: received[10].position }, (event) => {
        if (event.stream === stream) {
          witness.push(event);
          changed.notify();
        }
      });
      await changed.wait(() => witness.length === 1, 'the witness subscription');
      await witnessSubscription.close();

      expect(witness[0].position).toBe(last.position);
      expect(received).toHaveLength(11);
    });

    it('round-trips chain metadata: every event read back recomputes to its recorded chain, from the stream as stored', async () => {
      const stream = uniqueStream('chained');
      const data = { z: 1, a: { y: [0.1, -0, 1e21, 'é⚡\n'], x: null }, amountSats: 21_000, absent: undefined };
      const first = await appendChained(store, stream, EMPTY_STREAM, [
        newEvent('PixConfirmed', data),
        newEvent('DestinationSubmitted', { b: 2, a: 1 }),
      ]);
      expect(await readHead(store, stream)).toEqual(first.head);
      await appendChained(store, stream, await readHead(store, stream), [newEvent('PaymentSettled', { preimage: 'ab'.repeat(32) })]);

      const stored = await collect(store.readStream(stream));
      expect(stored.map((event) => chainOf(event.metadata)?.prev)).toEqual([
        null,
        chainOf(stored[0].metadata)!.hash,
        chainOf(stored[1].metadata)!.hash,
      ]);
      for (const event of stored) {
        expect(chainOf(event.metadata)!.hash).toBe(
          chainHash(chainOf(event.metadata)!.prev, stream, event.revision, event.type, event.data),
        );
      }
      const scan = new LedgerScan(true);
      for (const event of stored) scan.add(event);
      expect(scan.breaks).toEqual([]);
    });

    it('extends no stream whose last event has no chain (the service did not write it), and verify reports it', async () => {
      const stream = uniqueStream('unchained');
      await store.append(stream, [newEvent('Foreign', { n: 0 })], NO_STREAM);
      await expect(readHead(store, stream)).rejects.toThrow(`${stream} revision 0 has no chain`);
      expect(await collect(store.readStream(stream))).toHaveLength(1);
      const scan = new LedgerScan(true);
      for (const event of await collect(store.readStream(stream))) scan.add(event);
      expect(scan.breaks).toEqual([expect.objectContaining({ stream, revision: 0, kind: 'unchained' })]);
    });

    it('refuses a chained append whose head is stale (someone appended in between)', async () => {
      const stream = uniqueStream('stale-head');
      const { head } = await appendChained(store, stream, EMPTY_STREAM, [newEvent()]);
      await appendChained(store, stream, head, [newEvent()]);
      await expectConflict(appendChained(store, stream, head, [newEvent()]), 1);
    });

    it('reports the position of the newest event as the head', async () => {
      const stream = uniqueStream('head');
      await store.append(stream, [newEvent()], NO_STREAM);
      const newest = await store.append(stream, [newEvent(), newEvent()], 0);

      expect(await store.headPosition()).toBe(newest.position);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
