import { hash as digest } from 'crypto';
import { canonicalJson } from './canonical-json';

/**
 * Tamper evidence: every event carries `metadata.chain = { prev, hash }`:
 * `prev` is the hash of the previous event of its stream (null for the first),
 * `hash` is SHA-256 (lowercase hex) of the canonical JSON of
 * `[prev, stream, revision, type, data]` — one array, so no field can bleed
 * into the next.
 */
export interface ChainLink {
  prev: string | null;
  hash: string;
}

export interface ChainableEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface LedgerEvent extends ChainableEvent {
  stream: string;
  revision: number;
}

export function chainHash(prev: string | null, stream: string, revision: number, type: string, data: unknown): string {
  // One-shot crypto.hash (Node >= 20.12): a quarter of createHash's cost on inputs this small, and verify hashes every event.
  return digest('sha256', canonicalJson([prev, stream, revision, type, data]), 'hex');
}

/**
 * The chain an event's metadata records; null when it has none or one that
 * is not `{ prev: string | null, hash: string }`.
 * The strings' contents are not checked here: a hash that is not a SHA-256
 * never equals one recomputed, which is how verify reports it.
 */
export function chainOf(metadata: Record<string, unknown>): ChainLink | null {
  const chain = metadata.chain as Partial<ChainLink> | undefined;
  if (typeof chain !== 'object' || chain === null) return null;
  const { prev, hash } = chain;
  if (typeof hash !== 'string' || (prev !== null && typeof prev !== 'string')) return null;
  return { prev, hash };
}

/** True when the metadata has a `chain` member at all (a malformed one included). */
export function hasChain(metadata: Record<string, unknown>): boolean {
  return metadata.chain !== undefined;
}

/**
 * The stream's hash after `event`, given the hash before it: the recorded one
 * when the event is chained (writers trust what they read; `ledger verify`
 * does not), else computed, so a reader goes on past an event without one
 * (verify reports it).
 */
export function headAfter(prev: string | null, event: LedgerEvent): string {
  return chainOf(event.metadata)?.hash ?? chainHash(prev, event.stream, event.revision, event.type, event.data);
}

/** `events`, about to be appended to `stream` at `firstRevision` on top of `prev`, with their chain in the metadata. */
export function chainEvents<E extends ChainableEvent>(stream: string, prev: string | null, firstRevision: number, events: E[]): E[] {
  let head = prev;
  return events.map((event, index) => {
    const hash = chainHash(head, stream, firstRevision + index, event.type, event.data);
    const chained = { ...event, metadata: { ...event.metadata, chain: { prev: head, hash } } };
    head = hash;
    return chained;
  });
}
