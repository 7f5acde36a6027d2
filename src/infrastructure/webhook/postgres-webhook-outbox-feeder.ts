import type { PoolClient } from 'pg';
import { Clock } from '../../application/ports/clock.port';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { PostgresWebhookOutbox } from './postgres-webhook-outbox';
import { WebhookDeliveryPlanner, deliveriesToApply } from './webhook-delivery-planner';

/** What a PostgreSQL log follower does with a batch: `apply` runs on the client of the transaction that moves its checkpoint. */
export interface PostgresBatchWrites {
  apply(events: readonly StoredEvent[], client: PoolClient): Promise<void>;
  afterCommit?(): void;
}

/** Feeds the PostgreSQL outbox from the log: the planner's rows, inserted in the follower's transaction. */
export class PostgresWebhookOutboxFeeder {
  private readonly planner: WebhookDeliveryPlanner;

  constructor(
    payouts: PayoutRepository,
    private readonly outbox: PostgresWebhookOutbox,
    private readonly clock: Clock,
    private readonly onEnqueued: () => void,
  ) {
    this.planner = new WebhookDeliveryPlanner(payouts);
  }

  async prepare(events: readonly StoredEvent[]): Promise<PostgresBatchWrites> {
    const deliveries = await this.planner.plan(events);
    let inserted = 0;
    return {
      apply: async (fresh, client) => {
        inserted = await this.outbox.insert(client, deliveriesToApply(deliveries, fresh), this.clock.now());
      },
      afterCommit: () => {
        if (inserted > 0) this.onEnqueued();
      },
    };
  }
}
