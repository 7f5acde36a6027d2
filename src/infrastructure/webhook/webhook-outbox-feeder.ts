import { Clock } from '../../application/ports/clock.port';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { BatchWrites, LogHandler } from '../log-follower/log-follower';
import { WebhookDeliveryPlanner, deliveriesToApply } from './webhook-delivery-planner';
import { SqliteWebhookOutbox } from './sqlite-webhook-outbox';

/** Feeds the SQLite outbox from the log: the planner's rows, inserted in the follower's transaction. */
export class WebhookOutboxFeeder implements LogHandler {
  private readonly planner: WebhookDeliveryPlanner;

  constructor(
    payouts: PayoutRepository,
    private readonly outbox: SqliteWebhookOutbox,
    private readonly clock: Clock,
    private readonly onEnqueued: () => void,
  ) {
    this.planner = new WebhookDeliveryPlanner(payouts);
  }

  async prepare(events: readonly StoredEvent[]): Promise<BatchWrites> {
    const deliveries = await this.planner.plan(events);
    let inserted = 0;
    return {
      apply: (fresh) => {
        inserted = this.outbox.insert(deliveriesToApply(deliveries, fresh), this.clock.now());
      },
      afterCommit: () => {
        if (inserted > 0) this.onEnqueued();
      },
    };
  }
}
