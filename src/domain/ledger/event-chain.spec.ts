import { chainEvents, chainHash, chainOf, headAfter } from './event-chain';

// Fixture: sha256 of the text [null,"payout-ord_1",0,"PixConfirmed",{"amountSats":21000,"orderId":"ord_1"}], computed with sha256sum.
const FIRST_HASH = '30c26173f03fe3fe2b049141a383c09c65588b0c7ce3c1514c0263818da84625';

describe('event chain', () => {
  it('hashes prev, stream, revision, type and the canonical JSON of data (fixture)', () => {
    expect(chainHash(null, 'payout-ord_1', 0, 'PixConfirmed', { orderId: 'ord_1', amountSats: 21000 })).toBe(FIRST_HASH);
  });

  it.each([
    ['prev', (h: typeof base) => ({ ...h, prev: FIRST_HASH })],
    ['stream', (h: typeof base) => ({ ...h, stream: 'payout-ord_2' })],
    ['revision', (h: typeof base) => ({ ...h, revision: 1 })],
    ['type', (h: typeof base) => ({ ...h, type: 'PixConfirmedX' })],
    ['one digit of data', (h: typeof base) => ({ ...h, data: { orderId: 'ord_1', amountSats: 21001 } })],
  ])('changes when %s changes', (_name, change) => {
    const changed = change(base);
    expect(chainHash(changed.prev, changed.stream, changed.revision, changed.type, changed.data)).not.toBe(FIRST_HASH);
  });

  it('chains a batch from the previous head, one revision after another', () => {
    const events = [0, 1].map((n) => ({ type: 'T', data: { n }, metadata: { actor: 'system' } }));
    const chained = chainEvents('s', FIRST_HASH, 5, events);
    const first = chainOf(chained[0].metadata)!;
    expect(first).toEqual({ prev: FIRST_HASH, hash: chainHash(FIRST_HASH, 's', 5, 'T', { n: 0 }) });
    expect(chainOf(chained[1].metadata)).toEqual({ prev: first.hash, hash: chainHash(first.hash, 's', 6, 'T', { n: 1 }) });
    expect(chained[0].metadata.actor).toBe('system');
    expect(events[0].metadata).not.toHaveProperty('chain');
  });

  it('reads a chain only in its exact shape', () => {
    expect(chainOf({ chain: { prev: null, hash: FIRST_HASH } })).toEqual({ prev: null, hash: FIRST_HASH });
    expect(chainOf({})).toBeNull();
    expect(chainOf({ chain: { prev: null } })).toBeNull();
    expect(chainOf({ chain: { prev: 7, hash: FIRST_HASH } })).toBeNull();
    expect(chainOf({ chain: 'x' })).toBeNull();
  });

  it('takes the recorded hash of a chained event and computes that of an unchained one', () => {
    const event = {
      stream: 'payout-ord_1',
      revision: 0,
      type: 'PixConfirmed',
      data: { orderId: 'ord_1', amountSats: 21000 },
      metadata: {},
    };
    expect(headAfter(null, event)).toBe(FIRST_HASH);
    const recorded = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(headAfter(null, { ...event, metadata: { chain: { prev: null, hash: recorded } } })).toBe(recorded);
  });
});

const base = {
  prev: null as string | null,
  stream: 'payout-ord_1',
  revision: 0,
  type: 'PixConfirmed',
  data: { orderId: 'ord_1', amountSats: 21000 } as Record<string, unknown>,
};
