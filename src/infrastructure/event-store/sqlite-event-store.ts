import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Clock } from '../../application/ports/clock.port';
import {
  ConcurrencyError,
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
import { openEventsDatabase } from './sqlite-event-writer';
import { SqliteWriterThread } from './sqlite-writer-thread';

export interface SqliteEventStoreOptions {
  filename: string;
  clock: Clock;
  /** How often subscriptions look for events appended by other processes sharing the file. */
  pollIntervalMs?: number;
  /** How long a write waits for another process holding the write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 200;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** Reads page through the table so a replay of the whole log never sits in memory. */
const PAGE_SIZE = 500;

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

/**
 * Embedded event store on one SQLite file (design.md, "Event store port").
 *
 * Writes go through SqliteEventWriter on a thread of their own (group
 * commit: the appends made while a group is being written go together in
 * the next one, one fsync each; see SqliteWriterThread); reads, the global
 * log and subscriptions use this thread's own connection, which sees a
 * group as soon as it is committed — before its callers are answered.
 *
 * Several processes may open the same file: each append checks its expected
 * revision inside the write transaction that inserts it, under SQLite's
 * single write lock, so positions are assigned and become visible in commit
 * order (see SqliteEventWriter).
 */
export class SqliteEventStore implements EventStore {
  private readonly logger = new Logger(SqliteEventStore.name);
  private readonly db: Database.Database;
  private readonly writer: SqliteWriterThread;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly selectStreamForwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectStreamBackwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectAllAfter: Database.Statement<[number, number], EventRow>;
  private readonly selectOne: Database.Statement<[], number>;
  private readonly selectHeadPosition: Database.Statement<[], number | null>;

  constructor(options: SqliteEventStoreOptions) {
    this.clock = options.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    // Opened (and the schema created) here first, so a bad file fails the constructor rather than the first append.
    this.db = openEventsDatabase(options.filename, busyTimeoutMs);
    this.selectStreamForwards = this.db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    );
    this.selectStreamBackwards = this.db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.selectAllAfter = this.db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    );
    this.selectOne = this.db.prepare<[], number>('SELECT 1').pluck();
    this.selectHeadPosition = this.db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    this.writer = new SqliteWriterThread({ filename: options.filename, busyTimeoutMs }, () => {
      for (const subscription of this.subscriptions) subscription.wake();
    });
  }

  async append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(events, expectedRevision);
    const outcome = await this.writer.append({
      stream,
      expected: expectedRevision,
      createdAt: this.clock.now().toISOString(),
      events: events.map((event) => ({ id: event.id, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) })),
    });
    switch (outcome.kind) {
      case 'appended':
        return { nextRevision: outcome.nextRevision, position: outcome.position };
      case 'concurrency':
        throw new ConcurrencyError(outcome.stream, outcome.expected, outcome.actual);
      case 'error':
        throw Object.assign(new Error(outcome.message), outcome.code ? { code: outcome.code } : {});
      default: {
        const unreachable: never = outcome;
        throw new Error(`Unknown append outcome ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<StoredEvent> {
    const backwards = options.direction === 'backwards';
    const statement = backwards ? this.selectStreamBackwards : this.selectStreamForwards;
    let cursor = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    assertNonNegativeInteger(cursor, 'from');
    assertLimit(remaining);
    while (remaining > 0) {
      const pageSize = Math.min(PAGE_SIZE, remaining);
      const rows = statement.all(stream, cursor, pageSize);
      for (const row of rows) {
        yield toStoredEvent(row);
      }
      if (rows.length < pageSize) {
        return;
      }
      remaining -= rows.length;
      const last = rows[rows.length - 1].revision;
      cursor = backwards ? last - 1 : last + 1;
      if (cursor < 0) {
        return;
      }
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let cursor = parsePosition(options.after);
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    assertLimit(remaining);
    while (remaining > 0) {
      const pageSize = Math.min(PAGE_SIZE, remaining);
      const rows = this.selectAllAfter.all(cursor, pageSize);
      for (const row of rows) {
        yield toStoredEvent(row);
      }
      if (rows.length < pageSize) {
        return;
      }
      remaining -= rows.length;
      cursor = rows[rows.length - 1].position;
    }
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    const subscription = new SqliteSubscription(
      parsePosition(options.after),
      handler,
      (after) => this.selectAllAfter.all(after, PAGE_SIZE),
      this.pollIntervalMs,
      this.logger,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    if (this.writer.failure) throw this.writer.failure;
    this.selectOne.get();
  }

  async headPosition(): Promise<string | null> {
    const head = this.selectHeadPosition.get() ?? null;
    return head === null ? null : String(head);
  }

  async close(): Promise<void> {
    // Appends already asked for are written first.
    await this.writer.close();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.db.open) {
      this.db.close();
    }
  }
}

class SqliteSubscription implements Subscription {
  private draining = false;
  private wakeRequested = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private position: number,
    private readonly handler: EventHandler,
    private readonly readPage: (after: number) => EventRow[],
    pollIntervalMs: number,
    private readonly logger: Logger,
    private readonly onClose: (subscription: SqliteSubscription) => void,
  ) {
    this.timer = setInterval(() => this.wake(), pollIntervalMs);
    this.wake();
  }

  wake(): void {
    if (this.closed) {
      return;
    }
    if (this.draining) {
      this.wakeRequested = true;
      return;
    }
    this.draining = true;
    // Deferred so handlers never run inside the caller's append(), and a burst
    // of appends is drained by one pass.
    setImmediate(() => void this.drain());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.onClose(this);
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.wakeRequested = false;
        for (let rows = this.nextPage(); rows.length > 0; rows = this.nextPage()) {
          for (const row of rows) {
            if (this.closed) {
              return;
            }
            await this.handler(toStoredEvent(row));
            this.position = row.position;
          }
        }
      } while (this.wakeRequested);
    } catch (error) {
      // The position did not move past the failed event: the next poll
      // retries it, so a transient failure (a busy read-model file) heals
      // itself and nothing is skipped.
      this.logger.error(
        `Subscription handler failed after position ${this.position}; retrying on the next poll`,
        error instanceof Error ? error.stack : String(error),
      );
    } finally {
      this.draining = false;
    }
  }

  private nextPage(): EventRow[] {
    return this.closed ? [] : this.readPage(this.position);
  }
}

function assertAppendable(events: EventToAppend[], expected: ExpectedRevision): void {
  if (events.length === 0) {
    throw new RangeError('append needs at least one event');
  }
  if (typeof expected === 'number') {
    assertNonNegativeInteger(expected, 'expectedRevision');
  }
}

function parsePosition(position: string | null | undefined): number {
  if (position === undefined || position === null) {
    return 0;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(position) || !Number.isSafeInteger(Number(position))) {
    throw new RangeError(`Not a SQLite event store position: ${position}`);
  }
  return Number(position);
}

function assertNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function assertLimit(limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY) {
    assertNonNegativeInteger(limit, 'limit');
  }
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
