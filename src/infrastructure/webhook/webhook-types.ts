import { WebhookType } from '../../domain/events/event-catalogue';
import { PayoutView } from '../../domain/payout/payout-view';

/** The JSON body POSTed to BOT_WEBHOOK_URL. `id` is the payout event's id: the bot dedupes on it. */
export interface WebhookBody {
  id: string;
  type: WebhookType;
  orderId: string;
  occurredAt: string;
  payout: PayoutView;
}
