import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { ALWAYS_HELD, APPLY_LEASE, ApplyLease } from '../log-follower/apply-lease';
import { CheckpointWatcher } from '../log-follower/checkpoint-watcher';
import { FOLLOWER_STORAGE, FollowerStorage } from '../log-follower/follower-storage';
import { WEBHOOKS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { LeasedFollower } from '../log-follower/leased-follower';
import { LogFollower } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { POSTGRES_POOL } from '../postgres/postgres.module';
import { READ_MODEL_DB } from '../projections/read-model-database';
import { PostgresWebhookOutbox } from './postgres-webhook-outbox';
import { WebhookDispatcher } from './webhook-dispatcher';
import { SqliteWebhookOutbox } from './sqlite-webhook-outbox';
import { OutboxRow, WebhookOutbox } from './webhook-outbox.port';
import { InsertDeliveries, WebhookOutboxFeeder } from './webhook-outbox-feeder';
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
  private feed: LeasedFollower<unknown> | null = null;
  private dispatcher: WebhookDispatcher | null = null;

  constructor(
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions | null,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database | null,
    @Inject(POSTGRES_POOL) private readonly pool: Pool | null,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly payouts: PayoutRepository,
    @Inject(FOLLOWER_STORAGE) private readonly storage: FollowerStorage<unknown>,
    @Inject(APPLY_LEASE) private readonly lease: ApplyLease,
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
    const { outbox, insert } = this.openOutbox();
    const dispatcher = new WebhookDispatcher(this.options, outbox, this.store, this.clock);
    const follower = new LogFollower<unknown>({
      name: WEBHOOKS_CHECKPOINT,
      store: this.store,
      storage: this.storage,
      handler: new WebhookOutboxFeeder(this.payouts, insert, this.clock, () => dispatcher.wake()),
      clock: this.clock,
      random: this.options.random,
      // Only what happens from the first start on is announced: the customers
      // of older payouts heard about them already (or notifications were off
      // then), and a late burst would confuse them.
      firstStart: 'head',
    });
    // Fed by whichever instance holds the projection lease, as the read models are.
    const watcher =
      this.lease === ALWAYS_HELD
        ? null
        : new CheckpointWatcher({ name: WEBHOOKS_CHECKPOINT, storage: this.storage, clock: this.clock, local: () => follower.position });
    const feed = new LeasedFollower(follower, this.lease, watcher);
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

  /** The outbox beside the read models: in the shared database with PostgreSQL (any instance delivers), else in SQLite. */
  private openOutbox(): { outbox: WebhookOutbox; insert: InsertDeliveries<unknown> } {
    if (this.pool) {
      const outbox = new PostgresWebhookOutbox(this.pool);
      return { outbox, insert: (tx, deliveries, now) => outbox.insert(tx as PoolClient, deliveries, now) };
    }
    const outbox = new SqliteWebhookOutbox(this.db!);
    return { outbox, insert: (_tx, deliveries, now) => outbox.insert(deliveries, now) };
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
