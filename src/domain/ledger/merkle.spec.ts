import { createHash } from 'crypto';
import { merkleRoot } from './merkle';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'b'.repeat(64);
// Fixture: sha256 of 0x00 followed by ["payout-a","aaa…a"], computed with sha256sum.
const LEAF_A = 'c067a86484439dae2cc0cb12d0be643e261e12a842fe77743bf16113bdfd14c0';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (stream: string, hash: string) => sha(Buffer.from([0]), Buffer.from(JSON.stringify([stream, hash])));
const node = (left: Buffer, right: Buffer) => sha(Buffer.from([1]), left, right);

describe('merkleRoot', () => {
  it('of no streams is the hash of nothing', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('of one stream is its leaf (fixture)', () => {
    expect(merkleRoot([{ stream: 'payout-a', hash: A }])).toBe(LEAF_A);
  });

  it('sorts leaves by stream and carries an odd node up', () => {
    const heads = [
      { stream: 'c', hash: A },
      { stream: 'a', hash: A },
      { stream: 'b', hash: B },
    ];
    const expected = node(node(leaf('a', A), leaf('b', B)), leaf('c', A)).toString('hex');
    expect(merkleRoot(heads)).toBe(expected);
    expect(merkleRoot([...heads].reverse())).toBe(expected);
  });

  it('changes when any head, or which stream holds it, changes', () => {
    const root = merkleRoot([
      { stream: 'a', hash: A },
      { stream: 'b', hash: B },
    ]);
    expect(
      merkleRoot([
        { stream: 'a', hash: B },
        { stream: 'b', hash: B },
      ]),
    ).not.toBe(root);
    expect(
      merkleRoot([
        { stream: 'a', hash: B },
        { stream: 'b', hash: A },
      ]),
    ).not.toBe(root);
    expect(merkleRoot([{ stream: 'a', hash: A }])).not.toBe(root);
  });
});
