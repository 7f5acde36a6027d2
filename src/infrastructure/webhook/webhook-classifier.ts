import { toPayoutView } from '../../domain/payout/payout-view';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { Payout, PayoutState } from '../../domain/payout/payout-state';
import { WebhookType } from '../../domain/events/event-catalogue';
import { WebhookBody } from './webhook-types';

/**
 * Which webhook, if any, the customer should get for one payout event, given
 * the state folded up to the event before it (`before`) and including it
 * (`after`). Pure.
 *
 * The explicit types follow their event (`payout.retry_queued` only for the
 * first round of retries, so a long outage does not message the customer
 * every few minutes). `payout.failed` follows the
 * status: whichever event moves the payout into FAILED (a permanent
 * DestinationRejected, a PaymentFailed or InvoiceExpired that leaves no
 * payable invoice, a late PaymentNotFound, an EscalationCleared that lands
 * there...), since FAILED means the bot must ask the customer for a new
 * destination. Events that keep a payout FAILED are not announced again.
 */
export function classifyPayoutEvent(before: PayoutState, event: PayoutEvent, after: PayoutState): WebhookType | null {
  if (after.status === 'NONE') return null;
  switch (event.type) {
    case 'PaymentSettled':
      return before.status === 'SETTLED' ? null : 'payout.settled';
    case 'RetryQueued':
      // A wait for the wallet (short of sats, breaker open) is no retry round: announced when it holds the order back.
      if (event.data.cause) return before.status === 'RETRY_QUEUED' ? null : 'payout.retry_queued';
      // Once when the order first falls back (and again after an admin retry), not on every sweep round.
      return after.retriesQueued - after.escalationBaseline.retriesQueued === 1 ? 'payout.retry_queued' : null;
    case 'PayoutCancelled':
      return 'payout.cancelled';
    case 'PayoutEscalated':
      return 'payout.needs_attention';
    default:
      return after.status === 'FAILED' && before.status !== 'FAILED' ? 'payout.failed' : null;
  }
}

/** The body of one delivery: the Payout as it stood right after the event. */
export function buildWebhookBody(input: {
  eventId: string;
  type: WebhookType;
  orderId: string;
  occurredAt: string;
  state: Payout;
}): WebhookBody {
  return { id: input.eventId, type: input.type, orderId: input.orderId, occurredAt: input.occurredAt, payout: toPayoutView(input.state) };
}
