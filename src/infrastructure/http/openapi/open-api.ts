import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { WebhookDeliverySchema, describeWebhooks } from './webhook.schemas';

export const BEARER_AUTH = 'bearer';

/**
 * GET /docs (Swagger UI, its assets served from node_modules: no CDN) and
 * GET /docs-json (OpenAPI). Each keyed route's roles come from its @Roles
 * (an `x-roles` extension) and are written into its description, so the
 * rendered page says who may call what.
 */
export function setUpOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('pix-lightning-ledger')
    .setDescription(
      'Turns confirmed PIX payments into exactly-once Lightning payouts. Every 4xx body carries a snake_case `code`. ' +
        'The webhook to the bot is described under x-webhooks (schema WebhookDelivery). ' +
        'Idempotency and the list of error codes: docs/api.md in the repository.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key from BOT_API_KEYS, ADMIN_API_KEYS or AUDITOR_API_KEYS' },
      BEARER_AUTH,
    )
    .build();
  const document = describeWebhooks(describeRoles(SwaggerModule.createDocument(app, config, { extraModels: [WebhookDeliverySchema] })));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'pix-lightning-ledger API' });
  return document;
}

function describeRoles(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      const roles = (operation as Record<string, unknown> | undefined)?.['x-roles'] as string[] | undefined;
      if (!operation) continue;
      const who = roles ? `Roles: ${roles.join(', ')}.` : 'No API key needed.';
      operation.description = operation.description ? `${who} ${operation.description}` : who;
    }
  }
  return document;
}
