import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { OpenAPIObject } from '@nestjs/swagger';
import { WEBHOOK_TYPES, WebhookType } from '../../../domain/events/event-catalogue';
import { PayoutSchema } from './payout.schema';

/** The body POSTed to BOT_WEBHOOK_URL (WebhookBody), as OpenAPI describes it. */
@ApiSchema({ name: 'WebhookDelivery' })
export class WebhookDeliverySchema {
  @ApiProperty({ description: 'Unique per delivery (the payout event id): the bot dedupes on it; a redelivery repeats it' })
  id: string;

  @ApiProperty({ enum: WEBHOOK_TYPES })
  type: WebhookType;

  @ApiProperty({ example: 'ord_123' })
  orderId: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ type: () => PayoutSchema, description: 'The payout as GET /v1/payouts/{orderId} shows it after this change' })
  payout: PayoutSchema;
}

/**
 * OpenAPI 3.0 has no `webhooks` (3.1 has): the delivery is described under
 * `x-webhooks`, which ReDoc renders, with its schema among the components so
 * code generators find it.
 */
export function describeWebhooks(document: OpenAPIObject): OpenAPIObject {
  (document as unknown as Record<string, unknown>)['x-webhooks'] = {
    payoutChanged: {
      post: {
        summary: 'A payout changed in a way the customer should hear about (POSTed to BOT_WEBHOOK_URL)',
        description:
          'At least once, retried with backoff on a non-2xx answer or a timeout for at least 24 hours, across restarts. ' +
          'Verify X-Signature before trusting the body: HMAC-SHA256 with BOT_WEBHOOK_SECRET over "<t>.<raw body>".',
        parameters: [
          {
            name: 'X-Signature',
            in: 'header',
            required: true,
            schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' },
            description: 't = unix seconds of the attempt, v1 = hex HMAC-SHA256(BOT_WEBHOOK_SECRET, "<t>.<raw body>")',
          },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookDelivery' } } } },
        responses: { '2XX': { description: 'Received: not sent again' } },
      },
    },
  };
  return document;
}
