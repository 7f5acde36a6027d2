import Database from 'better-sqlite3';
import { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision } from '../../application/ports/event-store.port';

// AUTOINCREMENT: a position is never handed out twice, even if the newest
// rows were ever removed by hand; checkpoints stored by projections stay valid.
// STRICT: a row with a wrongly typed column is refused instead of coerced.
export const EVENTS_SCHEMA = `
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

/**
 * Opens a connection to the events file with the store's pragmas.
 * FULL: the WAL is fsync'd at every commit, so an acknowledged append (a
 * payout claim) survives a power cut, not only a process crash.
 */
export function openEventsDatabase(filename: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(filename);
  try {
    // busy_timeout first: switching to WAL and creating the table need locks
    // another process may hold while it opens the same file.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(EVENTS_SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** One append as the writer gets it: data and metadata already serialized, the time already stamped. */
export interface AppendRequest {
  stream: string;
  expected: ExpectedRevision;
  createdAt: string;
  events: { id: string; type: string; data: string; metadata: string }[];
}

/**
 * What an append came to. Plain data (it crosses from the writer's thread):
 * the store turns `concurrency` into a ConcurrencyError and `error` into an Error.
 */
export type AppendOutcome =
  | { kind: 'appended'; nextRevision: number; position: string; written: boolean }
  | { kind: 'concurrency'; stream: string; expected: ExpectedRevision; actual: number | typeof NO_STREAM }
  | { kind: 'error'; message: string; code?: string };

/** A failure of one append, thrown inside its savepoint so that only its own writes roll back. */
class AppendRefused extends Error {
  constructor(readonly outcome: Exclude<AppendOutcome, { kind: 'appended' }>) {
    super(outcome.kind === 'error' ? outcome.message : `wrong expected revision on ${outcome.stream}`);
  }
}

/**
 * The write side of the SQLite event store: a group of appends in ONE write
 * transaction (one fsync), each in its own savepoint, so its checks, its
 * conflict and its outcome are exactly those of an append of its own made at
 * that point of the sequence.
 *
 * Every group runs in a BEGIN IMMEDIATE transaction, which takes SQLite's
 * single write lock before any expected revision is read, so the check and
 * the insert cannot be interleaved with another writer (another process on
 * the same file), and positions are assigned — and become visible — in
 * commit order. That last property is what lets subscriptions follow the log
 * by position without ever skipping an event.
 */
export class SqliteEventWriter {
  private readonly db: Database.Database;
  private readonly selectCurrentRevision: Database.Statement<[string], number | null>;
  private readonly selectLocationById: Database.Statement<[string], { stream: string; revision: number; position: number }>;
  private readonly insertEvent: Database.Statement<[string, number, string, string, string, string, string]>;
  private readonly appendTransaction: Database.Transaction<(request: AppendRequest) => AppendOutcome>;
  private readonly groupTransaction: Database.Transaction<(group: AppendRequest[]) => AppendOutcome[]>;

  constructor(filename: string, busyTimeoutMs: number) {
    this.db = openEventsDatabase(filename, busyTimeoutMs);
    this.selectCurrentRevision = this.db.prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream = ?').pluck();
    this.selectLocationById = this.db.prepare('SELECT stream, revision, position FROM events WHERE id = ?');
    this.insertEvent = this.db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Called inside groupTransaction, this transaction is a savepoint: a
    // failing append rolls back only its own writes.
    this.appendTransaction = this.db.transaction((request: AppendRequest) => this.appendInTransaction(request));
    this.groupTransaction = this.db.transaction((group: AppendRequest[]) => group.map((request) => this.appendOne(request)));
  }

  /** Writes the group, in order, and answers each append's outcome once the group is committed (durable). Throws if nothing was committed. */
  write(group: AppendRequest[]): AppendOutcome[] {
    return this.groupTransaction.immediate(group);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private appendOne(request: AppendRequest): AppendOutcome {
    try {
      return this.appendTransaction(request);
    } catch (error) {
      if (error instanceof AppendRefused) return error.outcome;
      if (isUniqueViolation(error)) return this.settleUniqueViolation(error, request);
      return { kind: 'error', message: errorMessage(error), code: errorCode(error) };
    }
  }

  private appendInTransaction(request: AppendRequest): AppendOutcome {
    const { stream, expected, events } = request;
    const current = this.selectCurrentRevision.get(stream) ?? null;
    const actual = current ?? NO_STREAM;
    if (!satisfies(expected, actual)) {
      const replay = this.findReplay(request);
      if (replay !== null) return replay;
      throw new AppendRefused({ kind: 'concurrency', stream, expected, actual });
    }
    let revision = current ?? -1;
    let position: number | bigint = 0;
    for (const event of events) {
      revision += 1;
      position = this.insertEvent.run(stream, revision, event.id, event.type, event.data, event.metadata, request.createdAt).lastInsertRowid;
    }
    return { kind: 'appended', nextRevision: revision, position: String(position), written: true };
  }

  /**
   * The append's savepoint was rolled back. An id collision is usually a
   * retry whose expected revision still held (ANY, STREAM_EXISTS); the fast
   * path does not look ids up first, so settle it here.
   */
  private settleUniqueViolation(error: { message: string }, request: AppendRequest): AppendOutcome {
    try {
      const replay = this.findReplay(request);
      if (replay !== null) return replay;
    } catch (refused) {
      if (refused instanceof AppendRefused) return refused.outcome;
      throw refused;
    }
    if (error.message.includes('events.id')) {
      return { kind: 'error', message: `An event id of this batch is already stored (appending to ${request.stream}); event ids must be unique` };
    }
    // UNIQUE(stream, revision): another writer got there first. BEGIN
    // IMMEDIATE should make this impossible; it stays a concurrency error
    // if the file is ever written by something that skips the lock.
    return { kind: 'concurrency', stream: request.stream, expected: request.expected, actual: this.currentRevision(request.stream) };
  }

  /**
   * Idempotency rule: a batch whose FIRST event id is already stored is a
   * retry of an append that went through (typically the caller never saw the
   * acknowledgement). It is acknowledged again with the stored outcome — the
   * revision and position of the batch's last event — and nothing is written,
   * whatever the expected revision says now.
   *
   * The retry must be the same batch: every id stored in this stream, at
   * consecutive revisions in the given order. A batch that only partly matches
   * is refused with a concurrency error, as EventStoreDB does; a first id
   * stored in another stream is a caller bug and fails loudly.
   */
  private findReplay({ stream, expected, events }: AppendRequest): AppendOutcome | null {
    const first = this.selectLocationById.get(events[0].id);
    if (first === undefined) return null;
    if (first.stream !== stream) {
      throw new AppendRefused({ kind: 'error', message: `Event id ${events[0].id} is already stored in stream ${first.stream}, not ${stream}` });
    }
    let last = first;
    for (let index = 1; index < events.length; index += 1) {
      const stored = this.selectLocationById.get(events[index].id);
      if (stored === undefined || stored.stream !== stream || stored.revision !== first.revision + index) {
        throw new AppendRefused({ kind: 'concurrency', stream, expected, actual: this.currentRevision(stream) });
      }
      last = stored;
    }
    return { kind: 'appended', nextRevision: last.revision, position: String(last.position), written: false };
  }

  private currentRevision(stream: string): number | typeof NO_STREAM {
    return this.selectCurrentRevision.get(stream) ?? NO_STREAM;
  }
}

function satisfies(expected: ExpectedRevision, actual: number | typeof NO_STREAM): boolean {
  switch (expected) {
    case ANY:
      return true;
    case NO_STREAM:
      return actual === NO_STREAM;
    case STREAM_EXISTS:
      return actual !== NO_STREAM;
    default:
      return actual === expected;
  }
}

/**
 * By its code rather than by `instanceof`: better-sqlite3's native addon keeps
 * the error class of the first copy of the package that loaded it, so where
 * the package is loaded more than once per process (jest: one module registry
 * and one global realm per test file, several files per worker) the error is
 * neither a Database.SqliteError nor an Error of the current realm.
 */
function isUniqueViolation(error: unknown): error is { message: string } {
  return errorCode(error) === 'SQLITE_CONSTRAINT_UNIQUE';
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
    ? (error as { message: string }).message
    : String(error);
}
