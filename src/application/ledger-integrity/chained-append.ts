import { chainEvents, chainOf, headAfter } from '../../domain/ledger/event-chain';
import { AppendResult, ConcurrencyError, EventStore, EventToAppend, NO_STREAM, StoredEvent } from '../ports/event-store.port';

/** Where a stream ends: the expected revision of the next append and the hash the next event chains from. */
export interface StreamHead {
  revision: number | typeof NO_STREAM;
  hash: string | null;
}

export const EMPTY_STREAM: StreamHead = { revision: NO_STREAM, hash: null };

/** The head after one more event read forwards: how a writer that reads the stream anyway keeps its head without another read. */
export function headAfterEvent(head: StreamHead, event: Parameters<typeof headAfter>[1]): StreamHead {
  return { revision: event.revision, hash: headAfter(head.hash, event) };
}

/**
 * Every append of the service goes through here: the events get their chain
 * (domain/ledger/event-chain) from the head the writer already holds, and are
 * appended with that head's revision as the expected one — a chain is only
 * right if nobody appended in between, which the store then guarantees.
 * An idempotent replay (the batch's first id already stored) writes nothing,
 * and the head it answers is only right if the batch was chained on the same
 * head as before; writers that replay ids read the head again before reuse.
 */
export async function appendChained(
  store: EventStore,
  stream: string,
  head: StreamHead,
  events: EventToAppend[],
): Promise<{ result: AppendResult; head: StreamHead }> {
  const firstRevision = head.revision === NO_STREAM ? 0 : head.revision + 1;
  const chained = chainEvents(stream, head.hash, firstRevision, events);
  const result = await store.append(stream, chained, head.revision);
  return { result, head: { revision: result.nextRevision, hash: chainOf(chained[chained.length - 1].metadata)!.hash } };
}

/**
 * The head of a stream: one backwards read of its last event, whose chain
 * names it. A last event without a chain was not written by the service (every
 * append is chained): the stream is not extended on a head nobody can check.
 */
export async function readHead(store: EventStore, stream: string): Promise<StreamHead> {
  for await (const last of store.readStream(stream, { direction: 'backwards', limit: 1 })) return headAt(stream, last);
  return EMPTY_STREAM;
}

/** The head a stream has when `last` is its last event. */
export function headAt(stream: string, last: StoredEvent): StreamHead {
  const chain = chainOf(last.metadata);
  if (!chain) throw new Error(`${stream} revision ${last.revision} has no chain: not written by this service (run ledger verify)`);
  return { revision: last.revision, hash: chain.hash };
}

const CONFLICT_ATTEMPTS = 5;

/**
 * For writers that do not decide on the stream's content (audit records,
 * monitor transitions): a conflict only means another writer got there first,
 * so the head is read again and the same events chained on top of it.
 * `known` is a head held in memory, used first.
 */
export async function appendChainedOnLatest(
  store: EventStore,
  stream: string,
  events: EventToAppend[],
  known?: StreamHead,
): Promise<StreamHead> {
  let head = known;
  for (let attempt = 1; ; attempt++) {
    head ??= await readHead(store, stream);
    try {
      return (await appendChained(store, stream, head, events)).head;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= CONFLICT_ATTEMPTS) throw error;
      head = undefined;
    }
  }
}
