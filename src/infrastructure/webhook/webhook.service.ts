import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { LogCheckpoints, WEBHOOKS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { LogFollower } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { READ_MODEL_DB } from '../projections/read-model-database';
import { WebhookDispatcher } from './webhook-dispatcher';
import { SqliteWebhookOutbox } from './sqlite-webhook-outbox';
import { OutboxRow, WebhookOutbox } from './webhook-outbox.port';
import { WebhookOutboxFeeder } from './webhook-outbox-feeder';
import { WEBHOOK_OPTIONS, WebhookOptions, describeWebhookTarget } from './webhook.options';

/**
 * Notifies the bot (docs/api.md, "Webhook to the bot"): an outbox fed from the
 * event log, delivered at least once with retries for at least 24 hours,
 * surviving restarts. Does nothing when BOT_WEBHOOK_URL is not set.
 */
@Injectable()
export class WebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookService.name);
  private outbox: WebhookOutbox | null = null;
  private feed: LogFollower | null = null;
  private dispatcher: WebhookDispatcher | null = null;

  constructor(
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions | null,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly payouts: PayoutRepository,
    private readonly checkpoints: LogCheckpoints,
    private readonly followers: LogFollowers,
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
    const outbox = new SqliteWebhookOutbox(this.db);
    const dispatcher = new WebhookDispatcher(this.options, outbox, this.store, this.clock);
    const feed = new LogFollower({
      name: WEBHOOKS_CHECKPOINT,
      store: this.store,
      db: this.db,
      checkpoints: this.checkpoints,
      handler: new WebhookOutboxFeeder(this.payouts, outbox, this.clock, () => dispatcher.wake()),
      clock: this.clock,
      random: this.options.random,
      // Only what happens from the first start on is announced: the customers
      // of older payouts heard about them already (or notifications were off
      // then), and a late burst would confuse them.
      firstStart: 'head',
    });
    this.outbox = outbox;
    this.dispatcher = dispatcher;
    this.feed = feed;
    this.followers.add(feed);
    dispatcher.start();
    await feed.start();
    this.logger.log(`Bot webhook notifications on: POST to ${describeWebhookTarget(this.options.url)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    // Feed first (it may still enqueue), then deliveries; the database and the
    // store are closed after this by their own (global) modules.
    await this.feed?.stop();
    await this.dispatcher?.stop();
    this.feed = null;
    this.dispatcher = null;
  }

  /** Looks for due deliveries now instead of at the next timer (operators, tests). */
  wake(): void {
    this.dispatcher?.wake();
  }

  /** The outbox rows of one order, oldest first (operators, tests); empty when notifications are off. */
  async deliveriesOf(orderId: string): Promise<OutboxRow[]> {
    return (await this.outbox?.forOrder(orderId)) ?? [];
  }
}
