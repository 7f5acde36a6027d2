import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Clock } from '../../application/ports/clock.port';
import {
  ConcurrencyError,
  InvalidPositionError,
  NO_STREAM,
  type AppendResult,
  type EventHandler,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type Subscription,
} from '../../application/ports/event-store.port';
import { PolledSubscription } from './polled-subscription';
import { assertAppendable, pageThroughLog, pageThroughStream, replayOutcome, satisfies, type StoredLocation } from './store-rules';
import { ThrottledLog } from './throttled-log';

export interface SqliteEventStoreOptions {
  filename: string;
  clock: Clock;
  /** How often subscriptions look for events appended by other processes sharing the file. */
  pollIntervalMs?: number;
  /** How long a write waits for another process holding the write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Opens an existing file without ever writing to it (the auditors' CLI): no schema, no journal mode change, appends fail. */
  readonly?: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 200;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const READ_FAILURE_LOG_INTERVAL_MS = 60_000;
/** Reads page through the table so a replay of the whole log never sits in memory. */
const PAGE_SIZE = 500;

// AUTOINCREMENT: a position is never handed out twice, even if the newest
// rows were ever removed by hand; checkpoints stored by projections stay valid.
// STRICT: a row with a wrongly typed column is refused instead of coerced.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    stream     TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    UNIQUE (stream, revision)
  ) STRICT;
`;

const EVENT_COLUMNS = 'position, stream, revision, id, type, data, metadata, created_at';

interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  created_at: string;
}

/** As stored: the position is SQLite's integer. */
type StoredRow = Omit<StoredLocation, 'position'> & { position: number };

interface AppendOutcome {
  result: AppendResult;
  written: boolean;
}

/** An append waiting for the next group commit. */
interface QueuedAppend {
  stream: string;
  events: EventToAppend[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What one append of a group commit came to, settled once the group is durable. */
type GroupedOutcome = { ok: true; outcome: AppendOutcome } | { ok: false; error: unknown };

/**
 * Embedded event store on one SQLite file (docs/architecture.md, "Event store port").
 *
 * Several processes may open the same file: every append runs in its own
 * BEGIN IMMEDIATE transaction, which takes SQLite's single write lock before
 * the expected revision is read, so the check and the insert cannot be
 * interleaved with another writer, and positions are assigned — and become
 * visible — in commit order. That last property is what lets subscriptions
 * follow the log by position without ever skipping an event.
 *
 * Group commit: appends made while the event loop is busy (concurrent
 * requests, payouts in flight) are queued and written together at the next
 * turn of the loop, in call order, in ONE write transaction — one fsync
 * instead of one per append, which is what bounds throughput with
 * synchronous=FULL. Each append runs in its own savepoint, so its checks,
 * its conflict and its outcome are exactly those of an append of its own
 * made at that point of the sequence; and each caller is answered only once
 * the whole group is committed (durable).
 */
export class SqliteEventStore implements EventStore {
  private readonly logger = new Logger(SqliteEventStore.name);
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<PolledSubscription>();
  private readonly readFailures: ThrottledLog;
  private readonly selectCurrentRevision: Database.Statement<[string], number | null>;
  private readonly selectLocationById: Database.Statement<[string], StoredRow>;
  private readonly insertEvent: Database.Statement<[string, number, string, string, string, string, string]>;
  private readonly selectStreamForwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectStreamBackwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectAllAfter: Database.Statement<[number, number], EventRow>;
  private readonly selectOne: Database.Statement<[], number>;
  private readonly selectHeadPosition: Database.Statement<[], number | null>;
  private readonly appendTransaction: Database.Transaction<
    (stream: string, events: EventToAppend[], expected: ExpectedRevision) => AppendOutcome
  >;
  private readonly groupTransaction: Database.Transaction<(group: QueuedAppend[]) => GroupedOutcome[]>;
  private queued: QueuedAppend[] = [];
  private groupScheduled: NodeJS.Immediate | null = null;

  constructor(options: SqliteEventStoreOptions) {
    this.clock = options.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.readFailures = new ThrottledLog((line) => this.logger.warn(line), this.clock, READ_FAILURE_LOG_INTERVAL_MS);
    this.db = new Database(options.filename, options.readonly ? { readonly: true, fileMustExist: true } : undefined);
    try {
      // busy_timeout first: switching to WAL and creating the table need locks
      // another process may hold while it opens the same file.
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
      if (!options.readonly) this.prepareFile();
    } catch (error) {
      this.db.close();
      throw error;
    }

    this.selectCurrentRevision = this.db.prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream = ?').pluck();
    this.selectLocationById = this.db.prepare<[string], StoredRow>('SELECT stream, revision, position FROM events WHERE id = ?');
    this.insertEvent = this.db.prepare(
      'INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectStreamForwards = this.db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    );
    this.selectStreamBackwards = this.db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.selectAllAfter = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
    this.selectOne = this.db.prepare<[], number>('SELECT 1').pluck();
    this.selectHeadPosition = this.db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    // Called inside groupTransaction, this transaction is a savepoint: a
    // failing append rolls back only its own writes.
    this.appendTransaction = this.db.transaction((stream: string, events: EventToAppend[], expected: ExpectedRevision) =>
      this.appendInTransaction(stream, events, expected),
    );
    this.groupTransaction = this.db.transaction((group: QueuedAppend[]) => group.map((queued) => this.appendOne(queued)));
  }

  private prepareFile(): void {
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsync'd at every commit, so an acknowledged append
    // (a payout claim) survives a power cut, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  async append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(events, expectedRevision);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queued.push({ stream, events, expected: expectedRevision, resolve, reject });
      // setImmediate runs after the I/O callbacks of this turn of the loop:
      // everything they append joins the group.
      this.groupScheduled ??= setImmediate(() => this.commitQueued());
    });
  }

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<StoredEvent> {
    return pageThroughStream(options, PAGE_SIZE, (from, limit, backwards) =>
      (backwards ? this.selectStreamBackwards : this.selectStreamForwards).all(stream, from, limit).map(toStoredEvent),
    );
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    return pageThroughLog(options, PAGE_SIZE, (after, limit) => this.selectAllAfter.all(parsePosition(after), limit).map(toStoredEvent));
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    parsePosition(options.after);
    const subscription = new PolledSubscription(
      options.after ?? null,
      handler,
      async (after) => this.selectAllAfter.all(parsePosition(after), PAGE_SIZE).map(toStoredEvent),
      this.pollIntervalMs,
      this.logger,
      this.readFailures,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.selectOne.get();
  }

  async headPosition(): Promise<string | null> {
    const head = this.selectHeadPosition.get() ?? null;
    return head === null ? null : String(head);
  }

  async close(): Promise<void> {
    // Appends already asked for are written, as they would have been without grouping.
    this.commitQueued();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.db.open) {
      this.db.close();
    }
  }

  /** Writes every queued append in one transaction, then answers each caller. */
  private commitQueued(): void {
    if (this.groupScheduled !== null) {
      clearImmediate(this.groupScheduled);
      this.groupScheduled = null;
    }
    const group = this.queued;
    this.queued = [];
    if (group.length === 0) {
      return;
    }
    let outcomes: GroupedOutcome[];
    try {
      outcomes = this.groupTransaction.immediate(group);
    } catch (error) {
      // Nothing of the group was committed (BEGIN or COMMIT failed: busy, I/O error, closed).
      for (const queued of group) {
        queued.reject(error);
      }
      return;
    }
    let written = false;
    group.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) {
        written ||= outcome.outcome.written;
        queued.resolve(outcome.outcome.result);
      } else {
        queued.reject(outcome.error);
      }
    });
    if (written) {
      for (const subscription of this.subscriptions) {
        subscription.wake();
      }
    }
  }

  /** One append of a group, in its own savepoint; runs inside the group's write transaction. */
  private appendOne({ stream, events, expected }: QueuedAppend): GroupedOutcome {
    try {
      return { ok: true, outcome: this.appendTransaction(stream, events, expected) };
    } catch (error) {
      if (!isUniqueViolation(error)) {
        return { ok: false, error };
      }
      try {
        return { ok: true, outcome: { result: this.settleUniqueViolation(error, stream, events, expected), written: false } };
      } catch (settled) {
        return { ok: false, error: settled };
      }
    }
  }

  /**
   * The append's savepoint was rolled back. An id collision is usually a
   * retry whose expected revision still held (ANY, STREAM_EXISTS); the fast
   * path does not look ids up first, so settle it here.
   */
  private settleUniqueViolation(
    error: InstanceType<typeof Database.SqliteError>,
    stream: string,
    events: EventToAppend[],
    expected: ExpectedRevision,
  ): AppendResult {
    const replay = this.findReplay(stream, events, expected);
    if (replay !== null) {
      return replay;
    }
    if (error.message.includes('events.id')) {
      throw new Error(`An event id of this batch is already stored (appending to ${stream}); event ids must be unique`);
    }
    // UNIQUE(stream, revision): another writer got there first. BEGIN
    // IMMEDIATE should make this impossible; it stays a concurrency error
    // if the file is ever written by something that skips the lock.
    throw new ConcurrencyError(stream, expected, this.currentRevision(stream));
  }

  private appendInTransaction(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendOutcome {
    const current = this.selectCurrentRevision.get(stream) ?? null;
    const actual = current ?? NO_STREAM;
    if (!satisfies(expected, actual)) {
      const replay = this.findReplay(stream, events, expected);
      if (replay !== null) {
        return { result: replay, written: false };
      }
      throw new ConcurrencyError(stream, expected, actual);
    }
    const createdAt = this.clock.now().toISOString();
    let revision = current ?? -1;
    let position: number | bigint = 0;
    for (const event of events) {
      revision += 1;
      position = this.insertEvent.run(
        stream,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        createdAt,
      ).lastInsertRowid;
    }
    return { result: { nextRevision: revision, position: String(position) }, written: true };
  }

  /** The idempotency rule (replayOutcome) over the stored locations of the batch's ids. */
  private findReplay(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendResult | null {
    const outcome = replayOutcome(stream, events, (id) => {
      const stored = this.selectLocationById.get(id);
      return stored === undefined ? undefined : { ...stored, position: String(stored.position) };
    });
    if (outcome === 'partial') {
      throw new ConcurrencyError(stream, expected, this.currentRevision(stream));
    }
    return outcome;
  }

  private currentRevision(stream: string): number | typeof NO_STREAM {
    return this.selectCurrentRevision.get(stream) ?? NO_STREAM;
  }
}

function parsePosition(position: string | null | undefined): number {
  if (position === undefined || position === null) {
    return 0;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(position)) {
    throw new InvalidPositionError(position, 'a SQLite position is a decimal integer without leading zeros');
  }
  if (!Number.isSafeInteger(Number(position))) {
    throw new InvalidPositionError(position, `a SQLite position is at most ${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(position);
}

/**
 * By its code rather than by `instanceof`: better-sqlite3's native addon keeps
 * the error class of the first copy of the package that loaded it, so where
 * the package is loaded more than once per process (jest: one module registry
 * and one global realm per test file, several files per worker) the error is
 * neither a Database.SqliteError nor an Error of the current realm.
 */
function isUniqueViolation(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: String(row.position),
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    createdAt: row.created_at,
  };
}
