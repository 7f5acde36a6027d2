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
import { OutboxRow, WebhookOutbox } from './webhook-outbox';
import { SIGNATURE_HEADER, signWebhookBody, unixSeconds } from './webhook-signature';
import {
  WEBHOOK_AUDIT_SCHEMA_VERSION,
  WEBHOOK_DELIVERED,
  WEBHOOK_DELIVERY_ABANDONED,
  WebhookDeliveredData,
  WebhookDeliveryAbandonedData,
} from './webhook-types';
import { webhookStreamName } from '../../domain/streams/stream-names';
import { alertLine } from '../../application/alert-line';

/** Audit events appended per pass of the audit catch-up. */
const AUDIT_BATCH = 50;
/** Error texts kept on a row and in the audit trail are cut here. */
const MAX_ERROR_LENGTH = 500;

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
 * processes enqueue or release): it never keeps the process alive.
 */
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);
  /** Identifies this process's leases; a restarted process is a new owner. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly sender = new WebhookHttpSender();
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private tickScheduled: NodeJS.Immediate | null = null;
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
    if (!this.running || this.tickScheduled) return;
    this.tickScheduled = setImmediate(() => {
      this.tickScheduled = null;
      this.tick();
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

  private tick(): void {
    if (!this.running) return;
    try {
      const now = this.clock.now();
      const free = this.options.concurrency - this.inFlight.size;
      const busyOrders = new Set([...this.inFlight.values()].map((d) => d.row.orderId));
      for (const row of this.outbox.claimDue(now, free, this.options.leaseMs, this.owner, busyOrders)) this.launch(row);
      this.auditCompleted();
      this.schedule(now);
    } catch (error) {
      this.logger.error(`Webhook delivery loop failed; retrying in ${this.options.pollIntervalMs} ms: ${describeError(error)}`);
      this.schedule(this.clock.now(), true);
    }
  }

  private schedule(now: Date, pollOnly = false): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    let delay = this.options.pollIntervalMs;
    if (!pollOnly) {
      const next = this.outbox.nextWakeAt(now);
      if (next) delay = Math.min(delay, Math.max(0, next.getTime() - now.getTime()));
    }
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
        this.outbox.release(row.deliveryId, this.owner);
        return;
      }
      error = describeError(failure).slice(0, MAX_ERROR_LENGTH);
    }

    const now = this.clock.now();
    const record = {
      deliveryId: row.deliveryId,
      owner: this.owner,
      attempts: row.attempts + 1,
      firstAttemptAt: row.firstAttemptAt ?? startedAt.toISOString(),
      attemptedAt: now.toISOString(),
      httpStatus,
      error,
    };
    if (error === null && httpStatus !== null) {
      this.outbox.markDelivered({ ...record, httpStatus });
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
      if (this.outbox.markAbandoned(record)) {
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
    if (this.outbox.markRetry(record, nextAttemptAt)) {
      this.logger.warn(
        `Webhook ${row.type} ${row.deliveryId} for order ${row.orderId}: attempt ${record.attempts} failed ` +
          `(${lastError}); next at ${nextAttemptAt.toISOString()}`,
      );
    }
  }

  /** Catches up audit events that were not appended right away (store unreachable, crash in between). */
  private auditCompleted(): void {
    if (this.auditing) return;
    const rows = this.outbox.unaudited(AUDIT_BATCH);
    // Rows being delivered right now are audited by their own delivery.
    const idle = rows.filter((row) => !this.inFlight.has(row.deliveryId));
    if (idle.length === 0) return;
    this.auditing = (async () => {
      for (const row of idle) await this.audit(row);
    })().finally(() => {
      this.auditing = null;
    });
  }

  /**
   * Appends the outcome to `webhook-<orderId>`. The event id is derived from
   * the delivery and the outcome, so appending it again (catch-up after a
   * crash, two processes) is an idempotent no-op.
   */
  private async audit(row: OutboxRow): Promise<void> {
    const event =
      row.state === 'delivered'
        ? {
            type: WEBHOOK_DELIVERED,
            data: {
              deliveryId: row.deliveryId,
              type: row.type,
              attempts: row.attempts,
              httpStatus: row.lastHttpStatus ?? 0,
              deliveredAt: row.completedAt ?? this.clock.now().toISOString(),
            } satisfies WebhookDeliveredData,
          }
        : {
            type: WEBHOOK_DELIVERY_ABANDONED,
            data: {
              deliveryId: row.deliveryId,
              type: row.type,
              attempts: row.attempts,
              lastError: row.lastError ?? 'unknown error',
              abandonedAt: row.completedAt ?? this.clock.now().toISOString(),
            } satisfies WebhookDeliveryAbandonedData,
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
            schemaVersion: WEBHOOK_AUDIT_SCHEMA_VERSION,
          },
        },
      ]);
      this.outbox.markAudited(row.deliveryId);
    } catch (error) {
      this.logger.warn(`Audit event for webhook ${row.deliveryId} not stored yet (retried later): ${describeError(error)}`);
    }
  }
}

/** Namespace of the audit event ids (a fixed random UUID). */
const AUDIT_ID_NAMESPACE = Buffer.from('6f1d1f5e6a0c4c1b9a4e2d7b8c3f0a51', 'hex');

/** RFC 4122 version-5 UUID of `name`: the same name always gives the same id (EventStoreDB wants UUIDs). */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(AUDIT_ID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
