import { Logger } from '@nestjs/common';
import { DatabaseError, type Pool, type PoolClient } from 'pg';
import type { Clock } from '../../application/ports/clock.port';
import {
  AppendOutcomeUnknownError,
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
import { describeError } from '../../application/describe-error';
import { toStoreError } from '../postgres/postgres-errors';
import { assertAppendable, pageThroughLog, pageThroughStream, replayOutcome } from './store-rules';
import { PolledSubscription } from './polled-subscription';
import { PostgresChangeListener } from './postgres-change-listener';
import { ThrottledLog } from './throttled-log';

export interface PostgresEventStoreOptions {
  /** Shared with the read models; its owner ends it after close(). */
  pool: Pool;
  /** The same database, for the dedicated LISTEN connection. */
  url: string;
  clock: Clock;
  /** How often subscriptions read the log when no notification came (a lost NOTIFY, a listener reconnecting). */
  pollIntervalMs?: number;
  /** false: no LISTEN/NOTIFY at all (e.g. behind a pooler in transaction mode); subscriptions only poll. */
  notifications?: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 500;
const RECONNECT_DELAY_MS = 1_000;
const OUTAGE_LOG_INTERVAL_MS = 60_000;
const CHANNEL = 'pll_events';
/** Reads page through the log so a replay of the whole of it never sits in memory. */
const PAGE_SIZE = 1_000;
const UNIQUE_VIOLATION = '23505';
const ID_CONSTRAINT = 'events_id_key';
const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

// ORDER BY names the table's columns (events.transaction_id): the bare name would be this text alias, which sorts "10" before "9".
const EVENT_COLUMNS = 'transaction_id::text AS transaction_id, position, stream, revision, id, type, data, metadata, created_at';

/**
 * The whole append in one statement, so one round trip and one implicit
 * transaction: the expected revision is checked against the stream's head
 * and the batch inserted after it only if it holds. Two writers that both
 * pass the check race on UNIQUE (stream, revision): the second waits for the
 * first to commit, then fails with a unique violation. No row back means the
 * check failed.
 */
export const APPEND_SQL = `
  WITH head AS (SELECT max(revision) AS revision FROM events WHERE stream = $1)
  INSERT INTO events (stream, revision, id, type, data, metadata, created_at)
  SELECT $1, coalesce(head.revision, -1) + batch.ordinality, batch.event->>'id', batch.event->>'type',
         batch.event->'data', batch.event->'metadata', $5::timestamptz
  FROM head, json_array_elements($4::json) WITH ORDINALITY AS batch(event, ordinality)
  WHERE CASE $2::text
          WHEN 'any' THEN true
          WHEN 'no_stream' THEN head.revision IS NULL
          WHEN 'stream_exists' THEN head.revision IS NOT NULL
          ELSE head.revision = $3::bigint
        END
  ORDER BY batch.ordinality
  RETURNING revision, transaction_id::text AS transaction_id, position`;

/**
 * Only transactions older than every one still running: nothing can commit
 * below that line any more, so a follower that has read up to a position
 * never finds an event appear before it later.
 */
export const READ_ALL_SQL = `
  SELECT ${EVENT_COLUMNS} FROM events
  WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
    AND transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
  ORDER BY events.transaction_id, events.position
  LIMIT $3`;
const READ_STREAM_FORWARDS_SQL = `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = $1 AND revision >= $2::bigint ORDER BY revision LIMIT $3`;
const READ_STREAM_BACKWARDS_SQL = `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = $1 AND revision <= $2::bigint ORDER BY revision DESC LIMIT $3`;
const FIND_BY_IDS_SQL = `SELECT id, stream, revision, transaction_id::text AS transaction_id, position FROM events WHERE id = ANY($1::text[])`;
const CURRENT_REVISION_SQL = 'SELECT max(revision) AS revision FROM events WHERE stream = $1';
const HEAD_SQL = `SELECT transaction_id::text AS transaction_id, position FROM events
  ORDER BY events.transaction_id DESC, events.position DESC LIMIT 1`;

interface Located {
  transaction_id: string;
  position: string;
}

interface AppendedRow extends Located {
  revision: number;
}

interface StoredRow extends AppendedRow {
  id: string;
  stream: string;
}

interface EventRow extends StoredRow {
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  created_at: Date;
}

/** A position parsed for a query: the appending transaction and the identity within the log. */
interface Cursor {
  transactionId: string;
  position: string;
}

const START: Cursor = { transactionId: '0', position: '0' };

/**
 * Event store on a PostgreSQL database shared by any number of instances
 * (docs/architecture.md, "Event store port").
 *
 * Never skipping an event: identity values are handed out when rows are
 * inserted, not when they commit, so position 12 can become visible after
 * 13 has been read. Each event records the id of the transaction that wrote
 * it, the log is ordered by (transaction id, position), and followers read
 * only events of transactions older than the oldest one still running
 * (pg_snapshot_xmin): once read past, nothing can appear behind. A position
 * is "transactionId/identity", ordered part by part by comparePositions.
 * The alternative, serialising appends on a transaction-level advisory lock
 * so identities are assigned in commit order, costs every append a wait for
 * the previous commit (no group commit across writers); the bench
 * (postgres-store) measures both. The price of this choice: a long-open
 * writing transaction anywhere on the server holds followers back until it
 * ends (docs/architecture.md says what an operator sets against it).
 *
 * Wake-ups: appends made here wake local subscribers directly and send one
 * coalesced NOTIFY after the commit (never inside the append's transaction,
 * where NOTIFY would take the server-wide commit lock for notifications);
 * other instances LISTEN on one dedicated connection and poll as a fallback.
 */
export class PostgresEventStore implements EventStore {
  private readonly logger = new Logger(PostgresEventStore.name);
  private readonly pool: Pool;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<PolledSubscription>();
  private readonly listener: PostgresChangeListener | null;
  private readonly readOutage: ThrottledLog;
  private listening = false;
  private notifying: Promise<void> | null = null;
  private notifyAgain = false;
  private closed = false;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const warn = (line: string) => this.logger.warn(line);
    this.readOutage = new ThrottledLog(warn, this.clock, OUTAGE_LOG_INTERVAL_MS);
    this.listener =
      options.notifications === false
        ? null
        : new PostgresChangeListener({
            url: options.url,
            channel: CHANNEL,
            onChange: () => this.wakeSubscriptions(),
            reconnectDelayMs: RECONNECT_DELAY_MS,
            outage: new ThrottledLog(warn, this.clock, OUTAGE_LOG_INTERVAL_MS),
          });
  }

  async append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(events, expectedRevision);
    const client = await this.pool.connect().catch((error: unknown) => {
      throw toStoreError(error);
    });
    // A connection dying mid-query is also emitted as 'error' on the client; unheard, it would end the process.
    client.on('error', ignoreConnectionError);
    let appended: AppendedRow[];
    try {
      appended = (await client.query<AppendedRow>(APPEND_SQL, appendParameters(stream, events, expectedRevision, this.clock))).rows;
    } catch (error) {
      client.off('error', ignoreConnectionError);
      return this.settleFailedAppend(client, error, stream, events, expectedRevision);
    }
    client.off('error', ignoreConnectionError);
    client.release();
    if (appended.length === 0) {
      return this.settleConflict(stream, events, expectedRevision, false);
    }
    this.appended();
    const last = appended.reduce((newest, row) => (row.revision > newest.revision ? row : newest));
    return { nextRevision: last.revision, position: formatPosition(last) };
  }

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<StoredEvent> {
    return pageThroughStream(options, PAGE_SIZE, async (from, limit, backwards) =>
      (await this.query<EventRow>(backwards ? READ_STREAM_BACKWARDS_SQL : READ_STREAM_FORWARDS_SQL, [stream, from, limit])).map(
        toStoredEvent,
      ),
    );
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    return pageThroughLog(options, PAGE_SIZE, (after, limit) => this.readPage(parsePosition(after), limit));
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    parsePosition(options.after);
    if (this.listener !== null && !this.listening && !this.closed) {
      this.listening = true;
      this.listener.start();
    }
    const subscription = new PolledSubscription(
      options.after ?? null,
      handler,
      (after) => this.readPage(parsePosition(after), PAGE_SIZE),
      this.pollIntervalMs,
      this.logger,
      this.readOutage,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async headPosition(): Promise<string | null> {
    const [head] = await this.query<Located>(HEAD_SQL, []);
    return head === undefined ? null : formatPosition(head);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.listener?.stop();
    // The last NOTIFY goes out before the owner ends the pool.
    await this.notifying;
  }

  private async readPage(after: Cursor, limit: number): Promise<StoredEvent[]> {
    const rows = await this.query<EventRow>(READ_ALL_SQL, [after.transactionId, after.position, limit]);
    return rows.map(toStoredEvent);
  }

  private async query<Row extends object>(sql: string, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(sql, values)).rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * The statement went to the server. If the server answered with an error,
   * nothing was committed; if the connection broke first (or the server
   * ended the session), the commit may or may not have happened.
   */
  private async settleFailedAppend(
    client: PoolClient,
    error: unknown,
    stream: string,
    events: EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (!answeredByServer(error)) {
      client.release(true);
      if (neverSent(error)) {
        throw toStoreError(error);
      }
      throw new AppendOutcomeUnknownError(stream, describeError(error));
    }
    client.release();
    if (error.code === UNIQUE_VIOLATION) {
      return this.settleConflict(stream, events, expected, error.constraint === ID_CONSTRAINT);
    }
    throw toStoreError(error);
  }

  /**
   * Nothing was written: the expected revision did not hold, or a unique
   * constraint stopped the insert. Either may be the retry of an append that
   * went through (findReplay); otherwise a conflict, or a reused event id.
   */
  private async settleConflict(
    stream: string,
    events: EventToAppend[],
    expected: ExpectedRevision,
    idCollision: boolean,
  ): Promise<AppendResult> {
    const replay = await this.findReplay(stream, events, expected);
    if (replay !== null) {
      return replay;
    }
    if (idCollision) {
      throw new Error(`An event id of this batch is already stored (appending to ${stream}); event ids must be unique`);
    }
    throw new ConcurrencyError(stream, expected, await this.currentRevision(stream));
  }

  /** The idempotency rule (replayOutcome) over the stored locations of the batch's ids. */
  private async findReplay(stream: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult | null> {
    const rows = await this.query<StoredRow>(FIND_BY_IDS_SQL, [events.map((event) => event.id)]);
    const stored = new Map(rows.map((row) => [row.id, { stream: row.stream, revision: row.revision, position: formatPosition(row) }]));
    const outcome = replayOutcome(stream, events, (id) => stored.get(id));
    if (outcome === 'partial') {
      throw new ConcurrencyError(stream, expected, await this.currentRevision(stream));
    }
    return outcome;
  }

  private async currentRevision(stream: string): Promise<number | typeof NO_STREAM> {
    const [row] = await this.query<{ revision: number | null }>(CURRENT_REVISION_SQL, [stream]);
    return row?.revision ?? NO_STREAM;
  }

  private appended(): void {
    this.wakeSubscriptions();
    if (this.listener === null) {
      return;
    }
    if (this.notifying !== null) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = this.notifyOthers();
  }

  /** One NOTIFY at a time: appends committed while one is on its way are covered by the next. */
  private async notifyOthers(): Promise<void> {
    do {
      this.notifyAgain = false;
      try {
        await this.pool.query("SELECT pg_notify($1, '')", [CHANNEL]);
      } catch (error) {
        // Other instances poll: a lost wake-up only delays them.
        this.logger.debug(`NOTIFY failed: ${describeError(error)}`);
      }
    } while (this.notifyAgain && !this.closed);
    this.notifying = null;
  }

  private wakeSubscriptions(): void {
    for (const subscription of this.subscriptions) {
      subscription.wake();
    }
  }
}

export function appendParameters(stream: string, events: EventToAppend[], expected: ExpectedRevision, clock: Clock): unknown[] {
  const kind = typeof expected === 'number' ? 'revision' : expected;
  const revision = typeof expected === 'number' ? expected : null;
  const batch = JSON.stringify(events.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })));
  return [stream, kind, revision, batch, clock.now().toISOString()];
}

/** An ErrorResponse from the server: the statement failed there, so nothing of it was committed, unless the session itself is ending. */
function answeredByServer(error: unknown): error is DatabaseError {
  if (!(error instanceof DatabaseError)) {
    return false;
  }
  // FATAL/PANIC, connection errors and administrator shutdowns end the session; with synchronous
  // replication a FATAL can even follow a local commit.
  const sessionEnding = error.severity === 'FATAL' || error.severity === 'PANIC';
  return !sessionEnding && !error.code?.startsWith('08') && !error.code?.startsWith('57P0');
}

/** The query's own rejection carries the same error, and is what append() answers. */
function ignoreConnectionError(): void {}

/** pg refused the query before writing it to the socket. */
function neverSent(error: unknown): boolean {
  return error instanceof Error && /is not queryable/.test(error.message);
}

function formatPosition(row: Located): string {
  return `${row.transaction_id}/${row.position}`;
}

function parsePosition(position: string | null | undefined): Cursor {
  if (position === undefined || position === null) {
    return START;
  }
  const match = /^(0|[1-9][0-9]{0,19})\/(0|[1-9][0-9]{0,18})$/.exec(position);
  if (match === null) {
    throw new InvalidPositionError(position, 'a PostgreSQL position is "transaction/position", two decimal integers');
  }
  if (BigInt(match[1]) > MAX_XID8 || BigInt(match[2]) > MAX_BIGINT) {
    throw new InvalidPositionError(position, 'out of range');
  }
  return { transactionId: match[1], position: match[2] };
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: formatPosition(row),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
  };
}
