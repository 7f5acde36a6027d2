import { LedgerDigest, ledgerDigestOf } from '../../domain/ledger/ledger-digest';
import { LEDGER_DIGEST_STREAM } from '../../domain/streams/stream-names';
import { EventStore, StoredEvent, comparePositions } from '../ports/event-store.port';
import { LedgerBreak, LedgerScan } from './ledger-scan';

export interface LedgerReport {
  streams: number;
  events: number;
  /** Digests recomputed (0 when only chains were verified). */
  digests: number;
  /** Position of the last event read (null: empty log). */
  position: string | null;
  breaks: LedgerBreak[];
}

export interface DigestProof {
  root: string;
  /** The position the digest covers; null when it is not in the ledger and none was given. */
  position: string | null;
  /** Root of the log as it stands now up to `position`. */
  recomputedRoot: string | null;
  events: number;
  streams: number;
  held: boolean;
  detail: string;
}

/** Recomputes every stream's chain: edited, deleted, inserted and reordered events each break one. */
export function verifyChains(store: EventStore): Promise<LedgerReport> {
  return scanAll(store, LedgerCheck.chainsOnly());
}

/**
 * Chains and, in the same pass over the log, every digest of the
 * ledger-digest stream: the heads are taken at each digest's position and
 * their root compared — which also catches a stream rewritten with a
 * consistent chain, as long as a digest saw it before.
 */
export async function verifyLedger(store: EventStore): Promise<LedgerReport> {
  return scanAll(store, await LedgerCheck.open(store));
}

/**
 * `verifyLedger` one event at a time, for a caller that makes its own pass
 * over the log (in position order, from the start) and checks more on it:
 * `ledger verify` reads the log once for its audits and for this.
 */
export class LedgerCheck {
  private readonly scan = new LedgerScan(true);
  private readonly digests: RecordedDigest[];
  private readonly digestBreaks: LedgerBreak[] = [];
  private next = 0;

  private constructor(
    private readonly recorded: RecordedDigest[],
    private readonly malformed: LedgerBreak[],
  ) {
    this.digests = recorded.filter((digest) => digest.position !== null).sort((a, b) => comparePositions(a.position!, b.position!));
    // A digest of the empty log covers nothing: it holds as long as it hashes nothing.
    for (const digest of recorded.filter((d) => d.position === null)) checkDigest(digest, new LedgerScan(false), this.digestBreaks);
  }

  /** Reads the ledger-digest stream: the digests the pass will recompute. */
  static async open(store: EventStore): Promise<LedgerCheck> {
    const digests: RecordedDigest[] = [];
    const malformed: LedgerBreak[] = [];
    for await (const event of store.readStream(LEDGER_DIGEST_STREAM)) {
      const digest = ledgerDigestOf(event);
      if (digest) digests.push({ ...digest, revision: event.revision, eventPosition: event.position });
      else
        malformed.push({
          stream: event.stream,
          revision: event.revision,
          position: event.position,
          kind: 'malformed_digest',
          detail: `${event.type} is not a digest`,
        });
    }
    return new LedgerCheck(digests, malformed);
  }

  /** Chains only: no digest recomputed. */
  static chainsOnly(): LedgerCheck {
    return new LedgerCheck([], []);
  }

  add(event: StoredEvent): void {
    const { digests, scan } = this;
    while (this.next < digests.length && isAfter(event, digests[this.next].position!))
      checkDigest(digests[this.next++], scan, this.digestBreaks);
    scan.add(event);
  }

  /** The report once the log is read to its end. */
  report(): LedgerReport {
    const { digests, scan } = this;
    while (this.next < digests.length) checkDigest(digests[this.next++], scan, this.digestBreaks);
    return {
      streams: scan.streams,
      events: scan.events,
      digests: this.recorded.length,
      position: scan.position,
      breaks: [...this.malformed, ...scan.breaks, ...this.digestBreaks],
    };
  }
}

/**
 * Proves that the log still holds the state a digest saw: the heads up to
 * its position hash to its root. The position is the one the ledger-digest
 * stream recorded with that root, or `position` (from the auditor's own copy)
 * — needed when the store was rewritten whole, digests included.
 */
export async function proveDigest(store: EventStore, root: string, position?: string | null): Promise<DigestProof> {
  let at = position;
  if (at === undefined) {
    for await (const event of store.readStream(LEDGER_DIGEST_STREAM)) {
      const digest = ledgerDigestOf(event);
      if (digest?.root === root) at = digest.position;
    }
  }
  if (at === undefined) {
    return {
      root,
      position: null,
      recomputedRoot: null,
      events: 0,
      streams: 0,
      held: false,
      detail: 'no digest with this root in the ledger-digest stream; give the position from your copy',
    };
  }
  const scan = new LedgerScan(false);
  if (at !== null) {
    for await (const event of store.readAll()) {
      if (comparePositions(event.position, at) > 0) break;
      scan.add(event);
    }
  }
  const recomputedRoot = scan.root();
  const held = recomputedRoot === root;
  const detail = held
    ? `the log up to position ${at ?? '(empty)'} still hashes to the digest`
    : `the log up to position ${at ?? '(empty)'} hashes to ${recomputedRoot}, not to the digest: it was changed`;
  return { root, position: at, recomputedRoot, events: scan.events, streams: scan.streams, held, detail };
}

interface RecordedDigest extends LedgerDigest {
  revision: number;
  eventPosition: string;
}

async function scanAll(store: EventStore, check: LedgerCheck): Promise<LedgerReport> {
  for await (const event of store.readAll()) check.add(event);
  return check.report();
}

function isAfter(event: StoredEvent, position: string): boolean {
  return comparePositions(event.position, position) > 0;
}

function checkDigest(digest: RecordedDigest, scan: LedgerScan, breaks: LedgerBreak[]): void {
  const root = scan.root();
  if (root === digest.root && scan.events === digest.events && scan.streams === digest.streams) return;
  breaks.push({
    stream: 'ledger-digest',
    revision: digest.revision,
    position: digest.eventPosition,
    kind: 'digest_mismatch',
    detail:
      `digest of position ${digest.position ?? '(empty)'} recorded root ${digest.root} over ${digest.events} events ` +
      `in ${digest.streams} streams; ` +
      `the log now gives ${root} over ${scan.events} events in ${scan.streams} streams`,
  });
}
