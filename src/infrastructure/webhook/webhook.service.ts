import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { READ_MODEL_DB } from '../projections/read-model-database';
import { WebhookDispatcher } from './webhook-dispatcher';
import { OutboxRow, WebhookOutbox } from './webhook-outbox';
import { WebhookOutboxFeeder } from './webhook-outbox-feeder';
import { WEBHOOK_OPTIONS, WebhookOptions, describeWebhookTarget } from './webhook.options';

/**
 * Notifies the bot (api.md, "Webhook to the bot"): an outbox fed from the
 * event log, delivered at least once with retries for at least 24 hours,
 * surviving restarts. Does nothing when BOT_WEBHOOK_URL is not set.
 */
@Injectable()
export class WebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookService.name);
  private outbox: WebhookOutbox | null = null;
  private feeder: WebhookOutboxFeeder | null = null;
  private dispatcher: WebhookDispatcher | null = null;

  constructor(
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions | null,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** False when notifications are off. */
  get enabled(): boolean {
    return this.options !== null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options === null) {
      this.logger.log('Bot webhook notifications are off (BOT_WEBHOOK_URL is not set)');
      return;
    }
    if (this.dispatcher) return;
    const outbox = new WebhookOutbox(this.db);
    const dispatcher = new WebhookDispatcher(this.options, outbox, this.store, this.clock);
    const feeder = new WebhookOutboxFeeder(this.store, outbox, this.clock, () => dispatcher.wake(), this.options.feedRetryMs);
    this.outbox = outbox;
    this.dispatcher = dispatcher;
    this.feeder = feeder;
    dispatcher.start();
    await feeder.start();
    this.logger.log(`Bot webhook notifications on: POST to ${describeWebhookTarget(this.options.url)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    // Feed first (it may still enqueue), then deliveries; the database and the
    // store are closed after this by their own (global) modules.
    await this.feeder?.stop();
    await this.dispatcher?.stop();
    this.feeder = null;
    this.dispatcher = null;
  }

  /** Looks for due deliveries now instead of at the next timer (operators, tests). */
  wake(): void {
    this.dispatcher?.wake();
  }

  /** The outbox rows of one order, oldest first (operators, tests); empty when notifications are off. */
  deliveriesOf(orderId: string): OutboxRow[] {
    return this.outbox?.forOrder(orderId) ?? [];
  }
}
