import { chainEvents } from '../../domain/ledger/event-chain';
import { merkleRoot } from '../../domain/ledger/merkle';
import { StoredEvent } from '../ports/event-store.port';
import { LedgerScan } from './ledger-scan';

let position = 0;
function stored(
  stream: string,
  revision: number,
  type: string,
  data: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): StoredEvent {
  return {
    id: `e${++position}`,
    stream,
    revision,
    position: String(position),
    type,
    data,
    metadata: { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1, ...metadata },
    createdAt: '',
  };
}

function chained(stream: string, prev: string | null, revision: number, type: string, data: Record<string, unknown>): StoredEvent {
  const [event] = chainEvents(stream, prev, revision, [{ type, data, metadata: {} }]);
  return stored(stream, revision, type, data, event.metadata);
}

describe('LedgerScan', () => {
  it('takes each stream head from the recorded chain and roots them like the digest does', () => {
    const a0 = chained('a', null, 0, 'T', { n: 0 });
    const b0 = chained('b', null, 0, 'T', { n: 1 });
    const scan = new LedgerScan(true);
    [a0, b0].forEach((event) => scan.add(event));
    expect(scan.breaks).toEqual([]);
    expect(scan.root()).toBe(
      merkleRoot([
        { stream: 'a', hash: (a0.metadata.chain as { hash: string }).hash },
        { stream: 'b', hash: (b0.metadata.chain as { hash: string }).hash },
      ]),
    );
  });

  it('reports every event without a chain, first or not, and a malformed chain', () => {
    const scan = new LedgerScan(true);
    scan.add(stored('bare', 0, 'T', {}));
    scan.add(chained('chained', null, 0, 'T', {}));
    scan.add(stored('bare', 1, 'T', {}));
    scan.add(stored('other', 0, 'T', {}, { chain: { prev: null, hash: 42 } }));
    expect(scan.breaks.map((found) => [found.stream, found.revision, found.kind])).toEqual([
      ['bare', 0, 'unchained'],
      ['bare', 1, 'unchained'],
      ['other', 0, 'malformed_chain'],
    ]);
  });

  it('without verify, only follows heads', () => {
    const scan = new LedgerScan(false);
    scan.add(stored('a', 5, 'T', {}, { chain: { prev: null, hash: 'f'.repeat(64) } }));
    expect(scan.breaks).toEqual([]);
    expect(scan.streams).toBe(1);
  });
});
