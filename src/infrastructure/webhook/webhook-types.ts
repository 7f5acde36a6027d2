import { PayoutView } from '../../application/payouts/payout-view';

/** The `type` values of docs/api.md's webhook, exactly. */
export const WEBHOOK_TYPES = [
  'payout.settled',
  'payout.failed',
  'payout.retry_queued',
  'payout.cancelled',
  'payout.needs_attention',
] as const;

export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** The JSON body POSTed to BOT_WEBHOOK_URL. `id` is the payout event's id: the bot dedupes on it. */
export interface WebhookBody {
  id: string;
  type: WebhookType;
  orderId: string;
  occurredAt: string;
  payout: PayoutView;
}

/** Audit events appended to `webhook-<orderId>`: the outcome of each delivery. */
export const WEBHOOK_DELIVERED = 'WebhookDelivered';
export const WEBHOOK_DELIVERY_ABANDONED = 'WebhookDeliveryAbandoned';
export const WEBHOOK_AUDIT_SCHEMA_VERSION = 1;

export interface WebhookDeliveredData {
  deliveryId: string;
  type: WebhookType;
  attempts: number;
  httpStatus: number;
  deliveredAt: string;
}

export interface WebhookDeliveryAbandonedData {
  deliveryId: string;
  type: WebhookType;
  attempts: number;
  lastError: string;
  abandonedAt: string;
}
