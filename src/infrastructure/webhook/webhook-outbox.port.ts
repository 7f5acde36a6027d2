import { WebhookType } from '../../domain/events/event-catalogue';

/**
 * The webhook outbox as the dispatcher sees it, whatever holds it: the
 * read-model SQLite file, or the shared PostgreSQL database where every
 * instance claims from the same table. It is NOT a projection: its feed has
 * its own checkpoint, a projection rebuild never resets it, and it is the
 * source of truth for what is still to be sent (so a rebuild can never
 * re-send old webhooks and a restart never forgets a pending one).
 *
 * Rules every implementation keeps:
 * - due rows are claimed oldest first (next attempt, then enqueue order), with
 *   a lease naming the claimer; a claimed row is never handed to a second
 *   claimer before its lease expires;
 * - one delivery per order at a time, in enqueue order: an order with a leased
 *   row waits, unless an earlier row is backing off;
 * - a failure, an abandonment or a release is recorded only by the lease
 *   holder (a lost lease means another claimer owns the row now);
 * - delivered wins, whoever holds the lease: the bot has it.
 *
 * Adding rows is not part of this port: it happens inside the log follower's
 * transaction, whose type depends on the storage.
 */
export interface WebhookOutbox {
  /** Leases up to `limit` due rows of distinct orders (none of `busyOrders`), oldest first. */
  claimDue(now: Date, limit: number, leaseMs: number, owner: string, busyOrders: ReadonlySet<string>): Promise<OutboxRow[]>;
  /** False when the row was no longer pending (delivered or abandoned already). */
  markDelivered(record: AttemptRecord & { httpStatus: number }): Promise<boolean>;
  /** False when `record.owner` no longer holds the lease. */
  markRetry(record: AttemptRecord, nextAttemptAt: Date): Promise<boolean>;
  /** False when `record.owner` no longer holds the lease. */
  markAbandoned(record: AttemptRecord): Promise<boolean>;
  /** Gives a leased row back untouched (shutdown aborted its attempt). */
  release(deliveryId: string, owner: string): Promise<void>;
  /** Delivered or abandoned rows whose audit event is not known to be stored yet, oldest first. */
  unaudited(limit: number): Promise<OutboxRow[]>;
  markAudited(deliveryId: string): Promise<void>;
  /** When a pending row next becomes claimable, if later than `now`. */
  nextWakeAt(now: Date): Promise<Date | null>;
  get(deliveryId: string): Promise<OutboxRow | null>;
  /** The rows of one order, oldest first. */
  forOrder(orderId: string): Promise<OutboxRow[]>;
}

export type OutboxState = 'pending' | 'delivered' | 'abandoned';

export interface NewDelivery {
  deliveryId: string;
  orderId: string;
  type: WebhookType;
  eventPosition: string;
  /** The exact JSON text sent (and signed) at every attempt. */
  body: string;
}

/** Times are ISO-8601 strings (UTC, milliseconds), as the injected clock's `toISOString` gives them. */
export interface OutboxRow {
  seq: number;
  deliveryId: string;
  orderId: string;
  type: WebhookType;
  eventPosition: string;
  body: string;
  state: OutboxState;
  attempts: number;
  enqueuedAt: string;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string;
  lastError: string | null;
  lastHttpStatus: number | null;
  leasedUntil: string | null;
  leaseOwner: string | null;
  completedAt: string | null;
  audited: boolean;
}

export interface AttemptRecord {
  deliveryId: string;
  owner: string;
  attempts: number;
  firstAttemptAt: string;
  attemptedAt: string;
  httpStatus: number | null;
  error: string | null;
}

/** Due rows looked at per claim; rows of orders already in flight or claimed in the same pass are passed over. */
export const CLAIM_SCAN = 100;
