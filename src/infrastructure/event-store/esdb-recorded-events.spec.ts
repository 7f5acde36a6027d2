import type { RecordedEvent } from '@eventstore/db-client';
import { RecordedEventFilter } from './esdb-recorded-events';

function recorded(overrides: Record<string, unknown> = {}): RecordedEvent {
  return {
    streamId: 'payout-1',
    id: '6f0d5f39-4f7e-4d0b-9b44-0a6f4a1e2c10',
    revision: 3n,
    type: 'PayoutRequested',
    data: { amountSats: 1000 },
    metadata: { correlationId: 'c', causationId: null, actor: 'bot', schemaVersion: 1 },
    isJson: true,
    created: new Date('2026-01-01T00:00:00.000Z'),
    position: { commit: 200n, prepare: 100n },
    ...overrides,
  } as RecordedEvent;
}

describe('RecordedEventFilter', () => {
  function setUp(): { filter: RecordedEventFilter; lines: string[] } {
    const lines: string[] = [];
    return { filter: new RecordedEventFilter((line) => lines.push(line)), lines };
  }

  it("converts this service's events into the port's", () => {
    const { filter, lines } = setUp();
    expect(filter.accept(recorded())).toEqual({
      id: '6f0d5f39-4f7e-4d0b-9b44-0a6f4a1e2c10',
      stream: 'payout-1',
      revision: 3,
      position: '200/100',
      type: 'PayoutRequested',
      data: { amountSats: 1000 },
      metadata: { correlationId: 'c', causationId: null, actor: 'bot', schemaVersion: 1 },
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(lines).toEqual([]);
  });

  it.each([
    ['a binary event', { isJson: false, data: new Uint8Array([1, 2, 3]) }, /content type is not JSON/],
    ['JSON data that is a string (or was malformed)', { data: '{"not": json' }, /data is not a JSON object/],
    ['JSON data that is an array', { data: [1, 2] }, /data is not a JSON object/],
    ['JSON data that is null', { data: null }, /data is not a JSON object/],
    ['metadata that is bytes', { metadata: new Uint8Array([0xff]) }, /metadata is not a JSON object/],
    ['no metadata at all', { metadata: undefined }, /metadata is not a JSON object/],
  ])('skips %s and reports it once per event id', (_, overrides, reason) => {
    const { filter, lines } = setUp();
    const event = recorded({ ...overrides, streamId: 'other-tool', id: '11111111-1111-4111-8111-111111111111' });
    expect(filter.accept(event)).toBeNull();
    expect(filter.accept(event)).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
    expect(lines[0]).toContain('11111111-1111-4111-8111-111111111111');
    expect(lines[0]).toContain('other-tool');
    expect(filter.accept(recorded({ ...overrides, id: '22222222-2222-4222-8222-222222222222' }))).toBeNull();
    expect(lines).toHaveLength(2);
  });

  it('still fails on a JSON event without a position: the server is too old for this adapter', () => {
    const { filter } = setUp();
    expect(() => filter.accept(recorded({ position: undefined }))).toThrow(/no position/);
  });
});
