/**
 * The event store port (docs/architecture.md). Revisions are 0-based like EventStoreDB;
 * positions are opaque strings ordered by the adapter (SQLite: the decimal
 * global sequence number; PostgreSQL: "transaction/identity").
 */
export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;
export const ANY = 'any' as const;

export type ExpectedRevision = number | typeof NO_STREAM | typeof STREAM_EXISTS | typeof ANY;

export type Actor = 'bot' | 'admin' | 'system' | 'auditor';

export interface EventMetadata {
  correlationId: string;
  causationId: string | null;
  actor: Actor;
  schemaVersion: number;
  [key: string]: unknown;
}

export interface EventToAppend {
  /** Unique id; re-appending a stored id is an idempotent no-op. */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface StoredEvent extends EventToAppend {
  stream: string;
  revision: number;
  position: string;
  createdAt: string;
}

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  nextRevision: number;
  /** Global position of the last appended event. */
  position: string;
}

export interface ReadStreamOptions {
  from?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omitted/null = from the start. */
  after?: string | null;
  limit?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

export type EventHandler = (event: StoredEvent) => Promise<void> | void;

export interface EventStore {
  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** A stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;
  /** Catch-up from `after` (exclusive), then live; the handler is called one event at a time, in order. */
  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription;
  /** Cheap reachability probe for /health/ready. */
  ping(): Promise<void>;
  /** Position of the newest event in the global log (null when empty): how far projections must catch up. */
  headPosition(): Promise<string | null>;
  close(): Promise<void>;
}

/** The one error every adapter raises when an expected revision does not hold. */
export class ConcurrencyError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | typeof NO_STREAM,
  ) {
    super(`Concurrency conflict on ${stream}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'ConcurrencyError';
  }
}

/**
 * The store cannot tell whether an append was written (deadline exceeded,
 * server unavailable, leader changed mid-write). Callers treat it like an
 * unknown payment outcome: re-read the stream before deciding again, never
 * assume either way.
 */
export class AppendOutcomeUnknownError extends Error {
  constructor(
    readonly stream: string,
    reason: string,
  ) {
    super(`The append to ${stream} may or may not have been written: ${reason}`);
    this.name = 'AppendOutcomeUnknownError';
  }
}

/** A position this adapter never hands out (malformed, or of another store): a caller's mistake, never a server fault. */
export class InvalidPositionError extends Error {
  constructor(
    readonly position: string,
    reason: string,
  ) {
    super(`Not a position of this event store: ${position} (${reason})`);
    this.name = 'InvalidPositionError';
  }
}

export const EVENT_STORE = Symbol('EVENT_STORE');

const SMALL_INTEGER = /^[0-9]{1,15}$/;

/**
 * Orders two positions of one store. SQLite positions are decimal integers,
 * PostgreSQL's "transaction/identity", EventStoreDB's "commit/prepare": all
 * compare part by part as integers.
 */
export function comparePositions(a: string, b: string): number {
  // Most calls compare SQLite positions: exact as doubles below 2^53, and far cheaper than BigInts (verify compares every event).
  if (SMALL_INTEGER.test(a) && SMALL_INTEGER.test(b)) return Math.sign(Number(a) - Number(b));
  const left = a.split('/').map(BigInt);
  const right = b.split('/').map(BigInt);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0n) - (right[i] ?? 0n);
    if (difference !== 0n) return difference < 0n ? -1 : 1;
  }
  return 0;
}

/**
 * The store (or the database holding the read models) cannot serve the
 * request now: unreachable, full, failing I/O, or found corrupt. Nothing was
 * decided on a partial answer; the HTTP layer answers 503 with `code` and
 * readiness turns 503 until the store answers again.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly code: 'store_unavailable' | 'store_corrupt',
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(code === 'store_corrupt' ? `The event store is corrupt: ${reason}` : `The event store is unavailable: ${reason}`, options);
    this.name = 'StoreUnavailableError';
  }
}
