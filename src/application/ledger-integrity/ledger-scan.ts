import { chainHash, chainOf, hasChain, headAfter } from '../../domain/ledger/event-chain';
import { merkleRoot } from '../../domain/ledger/merkle';
import { StoredEvent } from '../ports/event-store.port';

export type LedgerBreakKind =
  | 'hash_mismatch'
  | 'prev_mismatch'
  | 'revision_gap'
  | 'malformed_chain'
  | 'unchained'
  | 'digest_mismatch'
  | 'malformed_digest'
  | 'digest_not_found'
  /** A store whose positions are contiguous by construction (SQLite) is missing some: events were removed. */
  | 'position_gap';

/** One place where the ledger is not what its chains and digests say it was. */
export interface LedgerBreak {
  stream: string;
  revision: number | null;
  position: string | null;
  kind: LedgerBreakKind;
  detail: string;
}

interface Head {
  revision: number;
  hash: string;
}

/**
 * Follows the log in position order keeping, per stream, only its last
 * revision and hash (memory grows with the number of streams, never with the
 * number of events). Each stream's head is its last event's recorded chain
 * hash — the head writers chain from — or, past an event without one, its
 * computed hash, so the scan goes on. With `verify`, every event's chain is also recomputed and
 * checked; a break is reported once, at the event where it shows, and the
 * scan goes on from what is recorded so one edit does not cascade.
 */
export class LedgerScan {
  readonly breaks: LedgerBreak[] = [];
  events = 0;
  position: string | null = null;
  private readonly heads = new Map<string, Head>();

  constructor(private readonly verify: boolean) {}

  get streams(): number {
    return this.heads.size;
  }

  root(): string {
    const leaves: { stream: string; hash: string }[] = [];
    for (const [stream, head] of this.heads) leaves.push({ stream, hash: head.hash });
    return merkleRoot(leaves);
  }

  add(event: StoredEvent): void {
    this.events++;
    this.position = event.position;
    const before = this.heads.get(event.stream);
    const prev = before?.hash ?? null;
    this.heads.set(event.stream, { revision: event.revision, hash: headAfter(prev, event) });
    if (this.verify) this.check(event, before, chainOf(event.metadata));
  }

  private check(event: StoredEvent, before: Head | undefined, chain: ReturnType<typeof chainOf>): void {
    const expectedRevision = before ? before.revision + 1 : 0;
    if (event.revision !== expectedRevision) {
      this.report(
        event,
        'revision_gap',
        `revision ${event.revision} follows ${before ? `revision ${before.revision}` : 'nothing'} (expected ${expectedRevision})`,
      );
    }
    const prev = before?.hash ?? null;
    if (!chain) {
      if (hasChain(event.metadata)) this.report(event, 'malformed_chain', 'metadata.chain is not { prev: string | null, hash: string }');
      else this.report(event, 'unchained', 'no chain: every event the service writes carries one');
      return;
    }
    if (chain.prev !== prev)
      this.report(
        event,
        'prev_mismatch',
        `chain.prev ${chain.prev ?? 'null'} but the stream's previous hash is ${prev ?? 'null (no previous event)'}`,
      );
    const recomputed = chainHash(chain.prev, event.stream, event.revision, event.type, event.data);
    if (recomputed !== chain.hash) this.report(event, 'hash_mismatch', `chain.hash ${chain.hash} but the event hashes to ${recomputed}`);
  }

  private report(event: StoredEvent, kind: LedgerBreakKind, detail: string): void {
    this.breaks.push({
      stream: event.stream,
      revision: event.revision,
      position: event.position,
      kind,
      detail: `${event.type}: ${detail}`,
    });
  }
}
