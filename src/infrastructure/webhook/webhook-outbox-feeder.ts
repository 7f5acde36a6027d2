import { Clock } from '../../application/ports/clock.port';
import { BatchWrites, LogHandler } from '../log-follower/log-follower';
import { NewDelivery } from './webhook-outbox.port';
import { Logger } from '@nestjs/common';
import { describeError } from '../../application/describe-error';
import { StoredEvent, comparePositions } from '../../application/ports/event-store.port';
import { PayoutRepository, toPayoutEvent } from '../../application/payouts/payout-repository';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { PayoutState, evolve } from '../../domain/payout/payout-state';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';
import { buildWebhookBody, classifyPayoutEvent } from './webhook-classifier';

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

/**
 * Which events of a batch become which outbox rows, whatever storage holds
 * the outbox. Each order the batch touches is read once, up to just before
 * its first event there, with the command side's fold, then folded forward
 * through the batch: no state is kept between batches, so a retried batch
 * starts from what the store says.
 */
export class WebhookDeliveryPlanner {
  private readonly logger = new Logger(WebhookDeliveryPlanner.name);

  constructor(private readonly payouts: PayoutRepository) {}

  /** The deliveries of `events`, in log order, keyed by event id. */
  async plan(events: readonly StoredEvent[]): Promise<NewDelivery[]> {
    const deliveries: NewDelivery[] = [];
    const states = new Map<string, PayoutState>();
    for (const event of events) {
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId === null) continue;
      // A store failure here propagates: the batch is retried, never skipped.
      const before = states.get(orderId) ?? (await this.payouts.stateBefore(orderId, event.revision));
      states.set(orderId, this.fold(orderId, event, before, deliveries));
    }
    return deliveries;
  }

  /** The payout after `event`; a delivery is added when the customer should hear of it. */
  private fold(orderId: string, event: StoredEvent, before: PayoutState, deliveries: NewDelivery[]): PayoutState {
    if (!isPayoutEvent(event)) return before;
    try {
      const payoutEvent = toPayoutEvent(event);
      const after = evolve(before, payoutEvent);
      const type = classifyPayoutEvent(before, payoutEvent, after);
      if (type && after.status !== 'NONE') {
        const body = buildWebhookBody({ eventId: event.id, type, orderId, occurredAt: event.createdAt, state: after });
        deliveries.push({ deliveryId: event.id, orderId, type, eventPosition: event.position, body: JSON.stringify(body) });
      }
      return after;
    } catch (error) {
      // A stored event the fold cannot read is a bug, not a transient
      // failure: retrying would block every later notification forever.
      this.logger.error(
        `Webhook for event ${event.id} (${event.type}, ${event.stream}@${event.revision}) skipped: ${describeError(error)}`,
      );
      return before;
    }
  }
}

/**
 * The deliveries of the events a follower's transaction still applies: the
 * batch less what the stored checkpoint already covers (another process may
 * have applied its start first).
 */
export function deliveriesToApply(deliveries: readonly NewDelivery[], fresh: readonly StoredEvent[]): NewDelivery[] {
  if (fresh.length === 0) return [];
  const from = fresh[0].position;
  return deliveries.filter((delivery) => comparePositions(delivery.eventPosition, from) >= 0);
}
