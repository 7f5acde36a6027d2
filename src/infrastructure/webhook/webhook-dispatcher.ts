import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'crypto';
import { hostname } from 'os';
import { Clock } from '../../application/ports/clock.port';
import { EventStore } from '../../application/ports/event-store.port';
import { appendChainedOnLatest } from '../../application/ledger-integrity/chained-append';
import { describeError } from '../../application/describe-error';
import { backoffDelayMs } from '../../domain/retry/backoff';
import { WebhookHttpSender } from './webhook-http-sender';
import { WebhookOptions } from './webhook.options';
import { AttemptRecord, OutboxRow, WebhookOutbox } from './webhook-outbox.port';
import { SIGNATURE_HEADER, signWebhookBody, unixSeconds } from './webhook-signature';
import { webhookStreamName } from '../../domain/streams/stream-names';
import { alertLine } from '../../application/alert-line';
import { WebhookDeliveryEvent, schemaVersionOf } from '../../domain/events/event-catalogue';

/** Audit events appended per pass of the audit catch-up. */
const AUDIT_BATCH = 50;
/** Error texts kept on a row and in the audit trail are cut here. */
const MAX_ERROR_LENGTH = 500;
/** First wait before writing an attempt's outcome again (the outbox's database failed); doubles up to the poll interval. */
const RECORD_RETRY_BASE_MS = 100;

interface InFlight {
  row: OutboxRow;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Delivers the outbox: claims due rows with a lease, POSTs them signed, and
 * records each outcome on the row (failed attempts: attempts, last_error,
 * next_attempt_at) and, once delivered or abandoned, in the audit stream
 * `webhook-<orderId>`. The table is the source of truth, so a restart picks
 * up exactly what is still pending.
 *
 * Woken at once when the feeder enqueues, when a delivery finishes, and by an
 * unref'd timer for the next due time (or the poll interval, for rows other
 * processes enqueue or release): it never keeps the process alive. One tick
 * runs at a time; a wake during a tick runs another right after it.
 *
 * The outbox's database failing is never fatal: a failed tick is tried again
 * at the poll interval, and an attempt's outcome is written again with
 * backoff until it lands (or shutdown gives up on it: the lease then expires
 * and the row is sent again, at least once).
 */
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);
  /** Identifies this process's leases; a restarted process is a new owner. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly sender = new WebhookHttpSender();
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private tickScheduled: NodeJS.Immediate | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private auditing: Promise<void> | null = null;

  constructor(
    private readonly options: WebhookOptions,
    private readonly outbox: WebhookOutbox,
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Looks for due rows now (new rows were enqueued, a delivery finished...). */
  wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    if (this.tickScheduled) return;
    this.tickScheduled = setImmediate(() => {
      this.tickScheduled = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.wake();
        }
      });
    });
  }

  /**
   * Stops claiming, lets in-flight deliveries finish for up to
   * `shutdownGraceMs`, then aborts the rest: their leases are released
   * untouched, so the next start (or another process) sends them again.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.tickScheduled) clearImmediate(this.tickScheduled);
    this.tickScheduled = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A claim in progress hands its rows back itself (tick).
    await this.ticking;
    const pending = [...this.inFlight.values()];
    if (pending.length > 0) {
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, this.options.shutdownGraceMs);
      });
      await Promise.race([Promise.all(pending.map((p) => p.done)), grace]);
      clearTimeout(graceTimer);
      for (const delivery of this.inFlight.values()) delivery.abort.abort();
      await Promise.all(pending.map((p) => p.done));
    }
    await this.auditing;
    this.sender.close();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      const now = this.clock.now();
      const free = this.options.concurrency - this.inFlight.size;
      const busyOrders = new Set([...this.inFlight.values()].map((d) => d.row.orderId));
      const claimed = await this.outbox.claimDue(now, free, this.options.leaseMs, this.owner, busyOrders);
      if (!this.running) {
        // stop() came while claiming: nothing is sent after it.
        for (const row of claimed) await this.outbox.release(row.deliveryId, this.owner);
        return;
      }
      for (const row of claimed) this.launch(row);
      this.auditCompleted();
      const next = await this.outbox.nextWakeAt(now);
      this.schedule(next ? Math.max(0, next.getTime() - now.getTime()) : Infinity);
    } catch (error) {
      this.logger.error(`Webhook delivery loop failed; retrying in ${this.options.pollIntervalMs} ms: ${describeError(error)}`);
      this.schedule(Infinity);
    }
  }

  /** Wakes in `dueInMs`, or at the poll interval if that comes first. */
  private schedule(dueInMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.min(this.options.pollIntervalMs, dueInMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delay);
    this.timer.unref();
  }

  private launch(row: OutboxRow): void {
    const abort = new AbortController();
    const entry: InFlight = { row, abort, done: Promise.resolve() };
    entry.done = this.deliver(row, abort.signal)
      .catch((error) => this.logger.error(`Webhook ${row.deliveryId} could not be recorded: ${describeError(error)}`))
      .finally(() => {
        this.inFlight.delete(row.deliveryId);
        this.wake();
      });
    this.inFlight.set(row.deliveryId, entry);
  }

  private async deliver(row: OutboxRow, signal: AbortSignal): Promise<void> {
    const startedAt = this.clock.now();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'pix-lightning-ledger-webhook/1',
      [SIGNATURE_HEADER]: signWebhookBody(this.options.secret, unixSeconds(startedAt), row.body),
    };
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      httpStatus = await this.sender.post({ url: this.options.url, body: row.body, headers, timeoutMs: this.options.timeoutMs, signal });
      if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
    } catch (failure) {
      if (signal.aborted) {
        // Shutdown: this attempt neither succeeded nor failed. Hand the row back as it was.
        await this.record(row, 'release', signal, () => this.outbox.release(row.deliveryId, this.owner));
        return;
      }
      error = describeError(failure).slice(0, MAX_ERROR_LENGTH);
    }

    const now = this.clock.now();
    const record: AttemptRecord = {
      deliveryId: row.deliveryId,
      owner: this.owner,
      attempts: row.attempts + 1,
      firstAttemptAt: row.firstAttemptAt ?? startedAt.toISOString(),
      attemptedAt: now.toISOString(),
      httpStatus,
      error,
    };
    if (error === null && httpStatus !== null) {
      const delivered = { ...record, httpStatus };
      if ((await this.record(row, 'delivery', signal, () => this.outbox.markDelivered(delivered))) === undefined) return;
      await this.audit({
        ...row,
        state: 'delivered',
        attempts: record.attempts,
        lastHttpStatus: httpStatus,
        completedAt: record.attemptedAt,
      });
      return;
    }
    const lastError = error ?? 'unknown error';
    const retryingFor = now.getTime() - Date.parse(record.firstAttemptAt);
    if (retryingFor >= this.options.giveUpAfterMs) {
      if (await this.record(row, 'abandonment', signal, () => this.outbox.markAbandoned(record))) {
        this.logger.error(
          alertLine(
            'webhook_abandoned',
            `webhook ${row.type} ${row.deliveryId} for order ${row.orderId} abandoned after ${record.attempts} attempts ` +
              `over ${Math.round(retryingFor / 60_000)} min; last error: ${lastError}`,
            { orderId: row.orderId, deliveryId: row.deliveryId },
          ),
        );
        await this.audit({ ...row, state: 'abandoned', attempts: record.attempts, lastError, completedAt: record.attemptedAt });
      }
      return;
    }
    const delay = backoffDelayMs(record.attempts, this.options.retryBaseMs, this.options.retryMaxDelayMs, this.options.random());
    const nextAttemptAt = new Date(now.getTime() + delay);
    if (await this.record(row, 'failed attempt', signal, () => this.outbox.markRetry(record, nextAttemptAt))) {
      this.logger.warn(
        `Webhook ${row.type} ${row.deliveryId} for order ${row.orderId}: attempt ${record.attempts} failed ` +
          `(${lastError}); next at ${nextAttemptAt.toISOString()}`,
      );
    }
  }

  /**
   * Writes an attempt's outcome to the outbox, again and again with backoff
   * while its database fails: an outcome recorded late beats one lost (a
   * delivered row left leased would be sent again once the lease expires).
   * Shutdown (the abort) ends the retries; undefined then means "not recorded".
   */
  private async record<T>(row: OutboxRow, what: string, signal: AbortSignal, write: () => Promise<T>): Promise<T | undefined> {
    for (let failures = 1; ; failures++) {
      try {
        return await write();
      } catch (error) {
        if (signal.aborted || !this.running) {
          this.logger.warn(`Webhook ${row.deliveryId}: ${what} not recorded before shutdown (${describeError(error)}); sent again later`);
          return undefined;
        }
        const delay = backoffDelayMs(failures, RECORD_RETRY_BASE_MS, this.options.pollIntervalMs, this.options.random());
        this.logger.warn(`Webhook ${row.deliveryId}: ${what} not recorded yet (retrying in ${delay} ms): ${describeError(error)}`);
        await abortableDelay(delay, signal);
      }
    }
  }

  /** Catches up audit events that were not appended right away (store unreachable, crash in between). */
  private auditCompleted(): void {
    if (this.auditing) return;
    this.auditing = (async () => {
      const rows = await this.outbox.unaudited(AUDIT_BATCH);
      // Rows being delivered right now are audited by their own delivery.
      for (const row of rows.filter((candidate) => !this.inFlight.has(candidate.deliveryId))) await this.audit(row);
    })()
      .catch((error) => this.logger.warn(`Webhook audit catch-up failed (retried at the next tick): ${describeError(error)}`))
      .finally(() => {
        this.auditing = null;
      });
  }

  /**
   * Appends the outcome to `webhook-<orderId>`. The event id is derived from
   * the delivery and the outcome, so appending it again (catch-up after a
   * crash, two processes) is an idempotent no-op.
   */
  private async audit(row: OutboxRow): Promise<void> {
    const event: WebhookDeliveryEvent =
      row.state === 'delivered'
        ? {
            type: 'WebhookDelivered',
            data: {
              deliveryId: row.deliveryId,
              type: row.type,
              attempts: row.attempts,
              httpStatus: row.lastHttpStatus ?? 0,
              deliveredAt: row.completedAt ?? this.clock.now().toISOString(),
            },
          }
        : {
            type: 'WebhookDeliveryAbandoned',
            data: {
              deliveryId: row.deliveryId,
              type: row.type,
              attempts: row.attempts,
              lastError: row.lastError ?? 'unknown error',
              abandonedAt: row.completedAt ?? this.clock.now().toISOString(),
            },
          };
    try {
      await appendChainedOnLatest(this.store, webhookStreamName(row.orderId), [
        {
          id: nameBasedUuid(`${row.deliveryId}/${event.type}`),
          type: event.type,
          data: { ...event.data },
          metadata: {
            correlationId: row.deliveryId,
            causationId: row.deliveryId,
            actor: 'system',
            schemaVersion: schemaVersionOf(event.type),
          },
        },
      ]);
      await this.outbox.markAudited(row.deliveryId);
    } catch (error) {
      this.logger.warn(`Audit event for webhook ${row.deliveryId} not stored yet (retried later): ${describeError(error)}`);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Namespace of the audit event ids (a fixed random UUID). */
const AUDIT_ID_NAMESPACE = Buffer.from('6f1d1f5e6a0c4c1b9a4e2d7b8c3f0a51', 'hex');

/** RFC 4122 version-5 UUID of `name`: the same name always gives the same id (EventStoreDB wants UUIDs). */
function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(AUDIT_ID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
