import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { buildWebhookBody } from '../../src/infrastructure/webhook/webhook-classifier';
import { WEBHOOK_TYPES } from '../../src/domain/events/event-catalogue';
import { OpenApiValidator } from '../support/openapi-validator';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every route Express has registered, as OpenAPI names it (`:orderId` -> `{orderId}`), Swagger UI's own routes aside. */
function registeredRoutes(h: PayoutHarness): string[] {
  const express = h.app.app.getHttpAdapter().getInstance();
  const routes: string[] = [];
  for (const layer of express.router.stack) {
    // /docs is the spec itself; /admin is the admin page (a web page for browsers, not part of the API).
    if (!layer.route || /^\/docs|^\/admin(\/|$)/.test(layer.route.path)) continue;
    for (const method of Object.keys(layer.route.methods)) routes.push(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

describe('OpenAPI (/docs-json) against the running app', () => {
  let h: PayoutHarness;
  let spec: OpenApiValidator;
  beforeAll(async () => {
    h = await startPayoutHarness();
    const answer = await fetch(`${h.app.url}/docs-json`);
    expect(answer.status).toBe(200);
    spec = new OpenApiValidator(await answer.json());
  });
  afterAll(async () => h.close());

  it('documents every registered route, with a JSON schema for each success and error answer', () => {
    const routes = registeredRoutes(h);
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const documented = Object.entries(spec.document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => (item as Record<string, unknown>)[method]).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.sort());
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const operation = spec.document.paths[path][method];
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((status) => status.startsWith('2'))).toBe(true);
      // JSON for the API; /metrics answers Prometheus text.
      const schemaOf = (status: string) =>
        Object.values((operation.responses[status].content ?? {}) as Record<string, { schema?: unknown }>)[0]?.schema;
      for (const status of statuses) expect([route, status, schemaOf(status)]).toEqual([route, status, expect.anything()]);
      if (path.startsWith('/v1/') || path === '/metrics') {
        expect([route, operation.description]).toEqual([
          route,
          expect.stringMatching(/^Roles: (bot|admin|auditor|metrics)(, (bot|admin|auditor|metrics))*\./),
        ]);
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(statuses).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
  });

  it('describes request bodies and query parameters from the DTOs, and the bearer scheme', () => {
    const schemas = spec.document.components.schemas;
    expect(spec.document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.document.paths['/v1/payouts'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreatePayoutDto',
    });
    expect(schemas.CreatePayoutDto.required.sort()).toEqual(['amountSats', 'orderId', 'pix']);
    expect(schemas.PixDto.required.sort()).toEqual(['amountCents', 'endToEndId', 'paidAt']);
    expect(schemas.Error.required.sort()).toEqual(['code', 'error', 'message', 'statusCode']);
    const listParameters = spec.document.paths['/v1/admin/payouts'].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(listParameters.sort()).toEqual(['query:cursor', 'query:limit', 'query:order', 'query:status']);
    expect(schemas.PayoutList.required.sort()).toEqual(['items', 'nextCursor', 'total']);
  });

  it("validates the main routes' real answers against the documented schemas", async () => {
    const check = (path: string, method: string, answer: { status: number; body: unknown }) =>
      expect(spec.errors(path, method, answer.status, answer.body)).toBeNull();
    const invoice = mintInvoice({ network: 'regtest', amountMsat: 3_000_000 });
    const created = await h.confirm('spec_raw', 3000, invoice.bolt11);
    expect(created.status).toBe(201);
    check('/v1/payouts', 'post', created);
    await h.waitForStatus('spec_raw', ['SETTLED']);
    await h.projectionsCaughtUp();
    check('/v1/payouts/{orderId}', 'get', await h.bot('GET', '/v1/payouts/spec_raw'));
    const awaiting = await h.confirm('spec_later', 1000);
    check('/v1/payouts', 'post', awaiting);
    check(
      '/v1/payouts/{orderId}/destination',
      'put',
      await h.bot('PUT', '/v1/payouts/spec_later/destination', { destination: h.address('bob') }),
    );
    await h.waitForStatus('spec_later', ['SETTLED']);
    await h.projectionsCaughtUp();
    const list = await h.request('GET', '/v1/admin/payouts?limit=1&order=newest', KEYS.admin);
    expect(list.body.items).toHaveLength(1);
    check('/v1/admin/payouts', 'get', list);
    check('/v1/admin/fallback-queue', 'get', await h.request('GET', '/v1/admin/fallback-queue', KEYS.admin));
    check('/v1/admin/fallback/sweep', 'post', await h.request('POST', '/v1/admin/fallback/sweep', KEYS.admin));
    check('/v1/admin/voltz/status', 'get', await h.request('GET', '/v1/admin/voltz/status', KEYS.admin));
    check('/v1/admin/voltz/diagnostics', 'get', await h.request('GET', '/v1/admin/voltz/diagnostics', KEYS.admin));
    const stream = await h.auditor('GET', '/v1/audit/payouts/spec_raw/events');
    expect(stream.body.events.length).toBeGreaterThanOrEqual(3);
    check('/v1/audit/payouts/{orderId}/events', 'get', stream);
    check('/v1/audit/events', 'get', await h.auditor('GET', '/v1/audit/events?limit=5'));
    check('/health/live', 'get', await h.request('GET', '/health/live', null));
    check('/health/ready', 'get', await h.request('GET', '/health/ready', null));
  });

  it('describes the webhook body: a real payout.settled delivery conforms, and a stray field does not', async () => {
    const payout = (await h.bot('GET', '/v1/payouts/spec_raw')).body;
    expect(payout.status).toBe('SETTLED');
    const events = await h.events('spec_raw');
    const settled = events.find((event) => event.type === 'PaymentSettled')!;
    const body = buildWebhookBody({
      eventId: settled.id,
      type: 'payout.settled',
      orderId: 'spec_raw',
      occurredAt: settled.createdAt,
      state: await h.waitForStatus('spec_raw', ['SETTLED']),
    });
    expect(body.payout).toEqual(payout);
    expect(spec.webhookErrors(body)).toBeNull();
    expect(spec.webhookErrors({ ...body, type: 'payout.unknown' })).not.toBeNull();
    expect(spec.webhookErrors({ ...body, extra: 1 })).not.toBeNull();
    expect(spec.document.components.schemas.WebhookDelivery.properties.type.enum).toEqual([...WEBHOOK_TYPES]);
  });

  it('validates error answers against the error schema, and a wrong body fails validation', async () => {
    const check = (path: string, method: string, answer: { status: number; body: unknown }) =>
      expect(spec.errors(path, method, answer.status, answer.body)).toBeNull();
    check('/v1/payouts', 'post', await h.request('POST', '/v1/payouts', KEYS.bot, { orderId: 'bad id' }));
    check('/v1/payouts/{orderId}', 'get', await h.bot('GET', '/v1/payouts/nobody'));
    check('/v1/payouts/{orderId}', 'get', await h.request('GET', '/v1/payouts/nobody', null));
    check('/v1/payouts/{orderId}', 'get', await h.request('GET', '/v1/payouts/nobody', KEYS.auditor.replace('auditor', 'nobody')));
    check('/v1/admin/payouts', 'get', await h.request('GET', '/v1/admin/payouts', KEYS.bot));
    // The checker itself must be able to fail: a field the document does not name, or a missing one.
    const payout = (await h.bot('GET', '/v1/payouts/spec_raw')).body;
    expect(spec.errors('/v1/payouts/{orderId}', 'get', 200, { ...payout, extra: 1 })).toMatch(/additional properties/);
    expect(spec.errors('/v1/payouts/{orderId}', 'get', 200, { ...payout, feeMsat: undefined })).toMatch(/feeMsat/);
  });

  it('needs no key for /docs and /docs-json', async () => {
    const page = await fetch(`${h.app.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
  });
});
