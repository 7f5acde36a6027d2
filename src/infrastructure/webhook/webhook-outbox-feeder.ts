import { Logger } from '@nestjs/common';
import { describeError } from '../../application/describe-error';
import { Clock } from '../../application/ports/clock.port';
import { StoredEvent, comparePositions } from '../../application/ports/event-store.port';
import { PayoutRepository, toPayoutEvent } from '../../application/payouts/payout-repository';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { PayoutState, evolve } from '../../domain/payout/payout-state';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';
import { BatchWrites, LogHandler } from '../log-follower/log-follower';
import { buildWebhookBody, classifyPayoutEvent } from './webhook-classifier';
import { NewDelivery, WebhookOutbox } from './webhook-outbox';

/**
 * Turns the payout events of a batch into outbox rows, keyed by event id.
 * Each order the batch touches is read once, up to just before its first
 * event there, with the command side's fold, then folded forward through the
 * batch: no state is kept between batches, so a retried batch starts from
 * what the store says.
 */
export class WebhookOutboxFeeder implements LogHandler<unknown> {
  private readonly logger = new Logger(WebhookOutboxFeeder.name);

  constructor(
    private readonly payouts: PayoutRepository,
    private readonly outbox: WebhookOutbox,
    private readonly clock: Clock,
    private readonly onEnqueued: () => void,
  ) {}

  async prepare(events: readonly StoredEvent[]): Promise<BatchWrites<unknown>> {
    const deliveries: NewDelivery[] = [];
    const states = new Map<string, PayoutState>();
    for (const event of events) {
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId === null) continue;
      // A store failure here propagates: the batch is retried, never skipped.
      const before = states.get(orderId) ?? (await this.payouts.stateBefore(orderId, event.revision));
      states.set(orderId, this.fold(orderId, event, before, deliveries));
    }
    let inserted = 0;
    return {
      apply: (fresh) => {
        const from = fresh[0].position;
        inserted = this.outbox.insert(
          deliveries.filter((delivery) => comparePositions(delivery.eventPosition, from) >= 0),
          this.clock.now(),
        );
      },
      afterCommit: () => {
        if (inserted > 0) this.onEnqueued();
      },
    };
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
