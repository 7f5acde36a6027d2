import { Logger } from '@nestjs/common';
import { Clock } from '../../application/ports/clock.port';
import { EventStore, StoredEvent, Subscription } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { isPayoutEvent, payoutStreamName } from '../../domain/payout/payout-events';
import { PayoutState, evolve } from '../../domain/payout/payout-state';
import { buildWebhookBody, classifyPayoutEvent } from './webhook-classifier';
import { NewDelivery, WebhookOutbox } from './webhook-outbox';

const PAYOUT_STREAM_PREFIX = 'payout-';
/** Above this many buffered events the subscription waits for a flush: a long catch-up never sits in memory. */
const MAX_BUFFERED_EVENTS = 500;
/** Payout states kept between events, so each event costs one evolve instead of a stream read. */
const MAX_CACHED_STREAMS = 5_000;

interface CachedState {
  revision: number;
  state: PayoutState | null;
}

/**
 * Follows the global log from the outbox's own checkpoint and turns payout
 * events into outbox rows. Each batch's rows and the checkpoint move in one
 * SQLite transaction; when a batch fails (a busy file, the store
 * unreachable) the feed restarts from the stored checkpoint, so an event is
 * never skipped and never enqueued twice (rows are keyed by the event id).
 */
export class WebhookOutboxFeeder {
  private readonly logger = new Logger(WebhookOutboxFeeder.name);
  private subscription: Subscription | null = null;
  /** Bumped on every (re)start: events from an older subscription are ignored. */
  private generation = 0;
  private buffer: StoredEvent[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly cache = new Map<string, CachedState>();

  constructor(
    private readonly store: EventStore,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
    private readonly onEnqueued: () => void,
    private readonly retryDelayMs: number,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    const stored = this.outbox.readCheckpoint();
    let after = stored.position;
    if (!stored.exists) {
      // First start on this database: only what happens from now on is
      // announced; the customers of older payouts heard about them already
      // (or notifications were off then), and a late burst would confuse them.
      after = this.outbox.initCheckpoint(await this.store.headPosition());
      this.logger.log(`Webhook outbox starts at log position ${after ?? '(start)'}`);
    }
    this.subscribe(after);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.subscription?.close();
    this.subscription = null;
    // Whatever is buffered is flushed: the checkpoint only moves with its rows anyway.
    await this.flush();
  }

  private subscribe(after: string | null): void {
    const generation = ++this.generation;
    this.subscription = this.store.subscribe({ after }, (event) => this.onEvent(event, generation));
  }

  private onEvent(event: StoredEvent, generation: number): Promise<void> | void {
    if (generation !== this.generation) return;
    this.buffer.push(event);
    if (this.buffer.length >= MAX_BUFFERED_EVENTS) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything that arrives in the same turn of the event loop shares one transaction.
      setImmediate(() => {
        this.flushScheduled = false;
        void this.flush();
      });
    }
  }

  /** Flushes are chained: one batch at a time, in log order. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushBuffer());
    return this.flushing;
  }

  private async flushBuffer(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      const deliveries = await this.deliveriesOf(batch);
      const inserted = this.outbox.enqueue(deliveries, batch[batch.length - 1].position, this.clock.now());
      if (inserted > 0) this.onEnqueued();
    } catch (error) {
      this.cache.clear();
      if (!this.running) {
        this.logger.error(`Webhook outbox batch at position ${batch[0].position} failed during shutdown; it is re-read at the next start: ${describe(error)}`);
        return;
      }
      this.logger.error(`Webhook outbox batch at position ${batch[0].position} failed; resuming from the stored checkpoint in ${this.retryDelayMs} ms: ${describe(error)}`);
      this.resubscribeLater();
    }
  }

  private resubscribeLater(): void {
    this.generation++;
    this.buffer = [];
    const subscription = this.subscription;
    this.subscription = null;
    void subscription?.close();
    if (!this.running || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.running) return;
      try {
        this.subscribe(this.outbox.readCheckpoint().position);
      } catch (error) {
        this.logger.error(`Webhook outbox could not resume: ${describe(error)}`);
        this.resubscribeLater();
      }
    }, this.retryDelayMs);
    this.restartTimer.unref();
  }

  private async deliveriesOf(batch: StoredEvent[]): Promise<NewDelivery[]> {
    const deliveries: NewDelivery[] = [];
    for (const event of batch) {
      if (!event.stream.startsWith(PAYOUT_STREAM_PREFIX)) continue;
      const orderId = event.stream.slice(PAYOUT_STREAM_PREFIX.length);
      // A store failure here propagates: the batch is retried, never skipped.
      const before = await this.stateBefore(orderId, event);
      if (!isPayoutEvent(event)) {
        this.remember(orderId, event.revision, before);
        continue;
      }
      let delivery: NewDelivery | null;
      let after: PayoutState | null;
      try {
        const payoutEvent = toPayoutEvent(event);
        after = evolve(before, payoutEvent);
        const type = classifyPayoutEvent(before, payoutEvent, after);
        delivery =
          type && after
            ? {
                deliveryId: event.id,
                orderId,
                type,
                eventPosition: event.position,
                body: JSON.stringify(buildWebhookBody({ eventId: event.id, type, orderId, occurredAt: event.createdAt, state: after })),
              }
            : null;
      } catch (error) {
        // A stored event the fold cannot read is a bug, not a transient
        // failure: retrying would block every later notification forever.
        this.logger.error(`Webhook for event ${event.id} (${event.type}, ${event.stream}@${event.revision}) skipped: ${describe(error)}`);
        this.cache.delete(orderId);
        continue;
      }
      this.remember(orderId, event.revision, after);
      if (delivery) deliveries.push(delivery);
    }
    return deliveries;
  }

  /** The payout folded up to the revision before `event`: from the cache when it is that far, else from the stream. */
  private async stateBefore(orderId: string, event: StoredEvent): Promise<PayoutState | null> {
    const cached = this.cache.get(orderId);
    if (cached && cached.revision === event.revision - 1) return cached.state;
    let state: PayoutState | null = null;
    if (event.revision > 0) {
      for await (const earlier of this.store.readStream(payoutStreamName(orderId), { from: 0, limit: event.revision })) {
        if (earlier.revision >= event.revision) break;
        if (isPayoutEvent(earlier)) state = evolve(state, toPayoutEvent(earlier));
      }
    }
    return state;
  }

  private remember(orderId: string, revision: number, state: PayoutState | null): void {
    this.cache.delete(orderId);
    this.cache.set(orderId, { revision, state });
    if (this.cache.size > MAX_CACHED_STREAMS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
