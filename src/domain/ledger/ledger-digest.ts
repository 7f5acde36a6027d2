/** The one event of the ledger-digest stream. */
export const LEDGER_DIGEST_RECORDED = 'LedgerDigestRecorded';

/**
 * A Merkle root over the head hash of every stream as the log stood at
 * `position` (null: the log was empty), covering `events` events in `streams`
 * streams. Kept by auditors out of band: that copy is what a rewrite of the
 * whole store cannot match.
 */
export interface LedgerDigest {
  root: string;
  position: string | null;
  events: number;
  streams: number;
  createdAt: string;
}

/** The digest an event of the ledger-digest stream records; null when its data is not one. */
export function ledgerDigestOf(event: { type: string; data: Record<string, unknown> }): LedgerDigest | null {
  if (event.type !== LEDGER_DIGEST_RECORDED) return null;
  const { root, position, events, streams, createdAt } = event.data;
  if (typeof root !== 'string' || !/^[0-9a-f]{64}$/.test(root)) return null;
  if (position !== null && typeof position !== 'string') return null;
  if (!Number.isSafeInteger(events) || !Number.isSafeInteger(streams) || typeof createdAt !== 'string') return null;
  return { root, position, events: events as number, streams: streams as number, createdAt };
}
