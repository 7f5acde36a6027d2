import { createHash } from 'crypto';
import { canonicalJson } from './canonical-json';

export interface StreamHeadHash {
  stream: string;
  hash: string;
}

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/**
 * The Merkle root over stream heads: leaves sorted by stream name (code
 * units), each SHA-256(0x00 ‖ canonical JSON of [stream, hash]); a node is
 * SHA-256(0x01 ‖ left ‖ right) — the prefixes keep a leaf from passing for a
 * node — and an odd node out is carried up a level unchanged. No streams:
 * SHA-256 of nothing. Lowercase hex.
 */
export function merkleRoot(heads: Iterable<StreamHeadHash>): string {
  const sorted = [...heads].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  if (sorted.length === 0) return createHash('sha256').digest('hex');
  let level = sorted.map((head) => sha256(LEAF, Buffer.from(canonicalJson([head.stream, head.hash]), 'utf8')));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let index = 0; index < level.length; index += 2) {
      next.push(index + 1 < level.length ? sha256(NODE, level[index], level[index + 1]) : level[index]);
    }
    level = next;
  }
  return level[0].toString('hex');
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}
