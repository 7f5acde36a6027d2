import { Clock } from '../../application/ports/clock.port';
import { StoredEvent } from '../../application/ports/event-store.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { BatchWrites, LogHandler } from '../log-follower/log-follower';
import { WebhookDeliveryPlanner, deliveriesToApply } from './webhook-delivery-planner';
import { NewDelivery } from './webhook-outbox.port';

/** How the outbox of the configured storage adds rows inside a follower's transaction (`tx`: that storage's handle). */
export type InsertDeliveries<Tx> = (tx: Tx, deliveries: readonly NewDelivery[], now: Date) => number | Promise<number>;

/** Feeds the outbox from the log: the planner's rows, inserted in the transaction that moves the feed's checkpoint. */
export class WebhookOutboxFeeder<Tx> implements LogHandler<Tx> {
  private readonly planner: WebhookDeliveryPlanner;

  constructor(
    payouts: PayoutRepository,
    private readonly insert: InsertDeliveries<Tx>,
    private readonly clock: Clock,
    private readonly onEnqueued: () => void,
  ) {
    this.planner = new WebhookDeliveryPlanner(payouts);
  }

  async prepare(events: readonly StoredEvent[]): Promise<BatchWrites<Tx>> {
    const deliveries = await this.planner.plan(events);
    let inserted = 0;
    return {
      apply: (fresh, tx) => {
        const rows = deliveriesToApply(deliveries, fresh);
        if (rows.length === 0) return;
        const result = this.insert(tx, rows, this.clock.now());
        if (typeof result === 'number') inserted = result;
        else return result.then((count) => void (inserted = count));
      },
      afterCommit: () => {
        if (inserted > 0) this.onEnqueued();
      },
    };
  }
}
