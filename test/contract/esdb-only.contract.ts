import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, binaryEvent, jsonEvent } from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { ANY, InvalidPositionError, NO_STREAM, comparePositions, type StoredEvent } from '../../src/application/ports/event-store.port';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store';
import { SystemClock } from '../../src/infrastructure/system/system-clock';
import { Condition, collect, newEvent, uniqueStream } from './event-store.contract';

/**
 * Cases only EventStoreDB can present: events other tools wrote to the same
 * server, which this service must skip (and report once) instead of failing
 * reads and subscriptions. They are written with the raw client.
 */
export function runEsdbOnlyContract(connectionString: string): void {
  describe("EsdbEventStore with other tools' events on the server", () => {
    let store: EsdbEventStore;
    let raw: EventStoreDBClient;
    let warnings: string[];

    beforeEach(() => {
      warnings = [];
      jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
      store = new EsdbEventStore({ connectionString, clock: new SystemClock() });
      raw = EventStoreDBClient.connectionString(connectionString);
    });

    afterEach(async () => {
      jest.restoreAllMocks();
      await store.close();
      await raw.dispose();
    });

    /** Our event, then a binary one and a JSON array in another tool's stream, then our event again. */
    async function interleave(): Promise<{ ours: StoredEvent[]; foreignIds: string[]; stream: string }> {
      const stream = uniqueStream('ours');
      const foreignStream = uniqueStream('other-tool');
      const first = newEvent('First');
      await store.append(stream, [first], NO_STREAM);
      const foreignIds = [randomUUID(), randomUUID()];
      await raw.appendToStream(foreignStream, [
        binaryEvent({ id: foreignIds[0], type: 'Blob', data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }),
        jsonEvent({ id: foreignIds[1], type: 'List', data: [1, 2, 3] }),
      ]);
      await store.append(stream, [newEvent('Second')], 0);
      return { ours: await collect(store.readStream(stream)), foreignIds, stream };
    }

    it('readAll skips them, reporting each once per event id', async () => {
      const { ours, foreignIds } = await interleave();
      const read = async () =>
        (await collect(store.readAll({ after: ours[0].position }))).filter((event) => event.stream === ours[0].stream);
      expect((await read()).map((event) => event.id)).toEqual([ours[1].id]);
      expect((await read()).map((event) => event.id)).toEqual([ours[1].id]);
      for (const id of foreignIds) {
        expect(warnings.filter((line) => line.includes(id))).toHaveLength(1);
      }
    });

    it('a subscription skips them and goes on delivering', async () => {
      const { ours, foreignIds } = await interleave();
      const delivered: StoredEvent[] = [];
      const condition = new Condition();
      const subscription = store.subscribe({ after: ours[0].position }, (event) => {
        delivered.push(event);
        condition.notify();
      });
      try {
        await condition.wait(() => delivered.some((event) => event.id === ours[1].id), 'our second event');
        expect(delivered.some((event) => foreignIds.includes(event.id))).toBe(false);
        expect(warnings.filter((line) => line.includes(foreignIds[0]))).toHaveLength(1);
      } finally {
        await subscription.close();
      }
    });

    it('readStream skips them within a stream', async () => {
      const stream = uniqueStream('mixed');
      const ourEvent = newEvent('Ours');
      await store.append(stream, [ourEvent], NO_STREAM);
      await raw.appendToStream(stream, [jsonEvent({ type: 'Note', data: 'just a string' })]);
      const read = await collect(store.readStream(stream));
      expect(read.map((event) => event.id)).toEqual([ourEvent.id]);
      expect(warnings.some((line) => line.includes(stream))).toBe(true);
    });

    it('headPosition is never a position of theirs', async () => {
      const ourResult = await store.append(uniqueStream('ours'), [newEvent()], ANY);
      const foreign = await raw.appendToStream(uniqueStream('other-tool'), [binaryEvent({ type: 'Blob', data: new Uint8Array([1]) })]);
      const head = await store.headPosition();
      expect(head).not.toBeNull();
      expect(head).not.toBe(`${foreign.position!.commit}/${foreign.position!.prepare}`);
      expect(comparePositions(head!, ourResult.position)).toBeGreaterThanOrEqual(0);
    });

    it('refuses a malformed position with InvalidPositionError', async () => {
      await expect(collect(store.readAll({ after: 'not-a-position' }))).rejects.toBeInstanceOf(InvalidPositionError);
      expect(() => store.subscribe({ after: '12' }, () => undefined)).toThrow(InvalidPositionError);
    });
  });
}
