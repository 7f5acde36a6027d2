import { StoredEvent } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { toPayoutView } from '../../domain/payout/payout-view';
import { FallbackTimings, fallbackDueAt } from '../../domain/payout/payout-workflow';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { Payout, PayoutState, evolve } from '../../domain/payout/payout-state';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';

/** One order's `payouts` row. */
export interface PayoutRow {
  orderId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  /** The folded decider state, as JSON: what the next batch folds on from. */
  state: string;
  /** The Payout view, as JSON: what GET /v1/payouts returns. */
  view: string;
}

/** One order's `fallback_queue` row. */
export interface FallbackRow {
  orderId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  queuedAt: string;
  nextAttemptAt: string;
}

/**
 * What a batch does to one order's rows. `fallback`: null removes the order
 * from the view; `requeue` says the order left the view and came back within
 * the batch, so `queuedAt` replaces the stored one; otherwise a stored row
 * keeps its `queuedAt` (the time the order entered the view).
 */
export interface PayoutRowChange {
  payout: PayoutRow;
  fallback: { row: FallbackRow; requeue: boolean } | null;
}

/** The orders whose rows a batch may change: their stored states are what `foldPayoutBatch` starts from. */
export function payoutOrdersOf(events: readonly StoredEvent[]): string[] {
  const orders = new Set<string>();
  for (const event of events) {
    const orderId = orderIdOfPayoutStream(event.stream);
    if (orderId !== null && isPayoutEvent(event)) orders.add(orderId);
  }
  return [...orders];
}

/**
 * Folds a batch order by order from the stored states (`stored`: an order
 * with no row is absent), giving each order's rows once (an order usually
 * has several events per batch). The fallback row keeps the time the order
 * last entered the view, exactly as event-by-event application would, so a
 * rebuild (other batches) gives the same rows. Both storages write what this
 * returns: the rules live here only.
 */
export function foldPayoutBatch(
  events: readonly StoredEvent[],
  stored: ReadonlyMap<string, PayoutState>,
  initial: () => PayoutState,
  timings: FallbackTimings,
): PayoutRowChange[] {
  const folded = new Map<string, FoldedOrder>();
  for (const event of events) {
    const orderId = orderIdOfPayoutStream(event.stream);
    if (orderId === null || !isPayoutEvent(event)) continue;
    let order = folded.get(orderId);
    if (!order) folded.set(orderId, (order = { state: stored.get(orderId) ?? initial(), dueAt: null, enteredAt: null, leftView: false }));
    order.state = evolve(order.state, toPayoutEvent(event));
    if (order.state.status === 'NONE') continue;
    order.dueAt = fallbackDueAt(order.state, timings);
    if (order.dueAt === null) {
      order.leftView = true;
      order.enteredAt = null;
    } else {
      order.enteredAt ??= order.state.updatedAt;
    }
  }
  const changes: PayoutRowChange[] = [];
  for (const [orderId, order] of folded) {
    if (order.state.status === 'NONE') continue;
    changes.push(toChange(orderId, order.state, order));
  }
  return changes;
}

function toChange(orderId: string, state: Payout, { dueAt, enteredAt, leftView }: FoldedOrder): PayoutRowChange {
  const payout: PayoutRow = {
    orderId,
    status: state.status,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    state: JSON.stringify(state),
    view: JSON.stringify(toPayoutView(state)),
  };
  if (dueAt === null) return { payout, fallback: null };
  const row: FallbackRow = {
    orderId,
    status: state.status,
    attempts: state.attempts,
    lastError: state.lastError,
    queuedAt: enteredAt!,
    nextAttemptAt: dueAt,
  };
  return { payout, fallback: { row, requeue: leftView } };
}

/** The stored state of a `payouts` row. */
export function parsePayoutState(json: string): Payout {
  return JSON.parse(json) as Payout;
}

/** One order's fold over a batch. */
interface FoldedOrder {
  state: PayoutState;
  dueAt: string | null;
  /** When the order (last) entered the fallback view during the batch; null while out of it. */
  enteredAt: string | null;
  /** Out of the view after some event of the batch. */
  leftView: boolean;
}
