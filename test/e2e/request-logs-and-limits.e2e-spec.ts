import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { LogCapture } from '../support/log-capture';
import { KEYS, TestApp, startTestApp } from '../support/test-app';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const get = (app: TestApp, path: string, key: string | null, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });

describe('Request logs and correlation ids (real app, logger capturing its lines)', () => {
  let app: TestApp;
  const logs = new LogCapture('info');
  beforeAll(async () => {
    app = await startTestApp({ logger: logs.logger });
  });
  afterAll(async () => app.close());

  it('writes one access line per request: route, status, duration, role and the request id, never the key', async () => {
    const answer = await get(app, '/v1/payouts/nobody', KEYS.bot, { 'X-Request-Id': 'bot-req.1:a' });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('x-request-id')).toBe('bot-req.1:a');
    const line = await logs.waitFor((l) => l.context === 'Access' && l.correlationId === 'bot-req.1:a');
    expect(line).toEqual({
      time: expect.stringMatching(ISO_TIME),
      level: 'info',
      context: 'Access',
      msg: 'request',
      correlationId: 'bot-req.1:a',
      method: 'GET',
      route: '/v1/payouts/:orderId',
      status: 404,
      durationMs: expect.any(Number),
      role: 'bot',
    });
    expect(logs.lines.filter((l) => l.correlationId === 'bot-req.1:a')).toHaveLength(1);
    expect(logs.raw.join('\n')).not.toContain(KEYS.bot);
  });

  it('makes a UUID when the caller sends no id or one that is not sane, and logs refusals with a null role', async () => {
    for (const given of [undefined, 'has space', 'x'.repeat(129), 'quote"d']) {
      const answer = await get(app, '/v1/admin/payouts', 'unknown-key-xyz', given === undefined ? {} : { 'X-Request-Id': given });
      expect(answer.status).toBe(401);
      const id = answer.headers.get('x-request-id')!;
      expect(id).toMatch(UUID);
      const line = await logs.waitFor((l) => l.context === 'Access' && l.correlationId === id);
      expect(line).toMatchObject({ route: '/v1/admin/payouts', status: 401, role: null });
    }
    expect(logs.raw.join('\n')).not.toContain('unknown-key-xyz');
  });

  it("carries the request id into the events' metadata and the processor's lines", async () => {
    const invoice = mintInvoice({ network: 'regtest', amountMsat: 2_000_000 });
    const created = await fetch(`${app.url}/v1/payouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.bot}`, 'content-type': 'application/json', 'X-Correlation-Id': 'chat-42' },
      body: JSON.stringify({
        orderId: 'logs_1',
        pix: { endToEndId: `E${'1'.repeat(31)}`, amountCents: 100, paidAt: '2025-07-09T12:00:00Z' },
        amountSats: 2000,
        destination: invoice.bolt11,
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('chat-42');
    const settled = await logs.waitFor((l) => l.msg === 'payout step' && l.orderId === 'logs_1' && l.reason === 'settled');
    expect(settled).toMatchObject({ correlationId: 'chat-42', paymentHash: invoice.paymentHash, time: expect.stringMatching(ISO_TIME) });
    const events = (await (await get(app, '/v1/audit/payouts/logs_1/events', KEYS.auditor)).json()) as {
      events: { metadata: { correlationId: string } }[];
    };
    expect(events.events.map((e: { metadata: { correlationId: string } }) => e.metadata.correlationId)).toEqual(
      events.events.map(() => 'chat-42'),
    );
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const answer = await get(app, '/health/live', null);
    expect(answer.headers.get('x-powered-by')).toBeNull();
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('LOG_LEVEL', () => {
  it('at warn, writes neither access lines nor info lines', async () => {
    const logs = new LogCapture('warn');
    const app = await startTestApp({ logger: logs.logger, env: { LOG_LEVEL: 'warn' } });
    try {
      expect((await get(app, '/health/live', null)).status).toBe(200);
      expect((await get(app, '/v1/payouts/nobody', KEYS.bot)).status).toBe(404);
      expect(logs.lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
      // The sandbox banner is a warning: proof the logger was live.
      expect(logs.lines.some((l) => l.level === 'warn' && l.context === 'SandboxMode')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('Per-key rate limit (RATE_LIMIT_PER_MINUTE)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => app.close());

  it(
    'answers 429 rate_limited with Retry-After once a key used its minute, across routes; ' + 'other keys, /health and /docs go on',
    async () => {
      expect((await get(app, '/v1/payouts/a', KEYS.bot)).status).toBe(404);
      expect((await get(app, '/v1/payouts/b', KEYS.bot)).status).toBe(404);
      expect((await get(app, '/v1/admin/payouts', KEYS.admin)).status).toBe(200);
      expect((await get(app, '/v1/payouts/c', KEYS.bot)).status).toBe(404);
      const limited = await get(app, '/v1/payouts/d', KEYS.bot);
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'rate_limited' });
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect((await get(app, '/v1/payouts/a', KEYS.auditor)).status).toBe(404);
      for (let i = 0; i < 5; i++) {
        expect((await get(app, '/health/live', null)).status).toBe(200);
        expect((await get(app, '/docs-json', null)).status).toBe(200);
      }
    },
  );
});

describe('RATE_LIMIT_PER_MINUTE=0', () => {
  it('turns the limit off', async () => {
    const app = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      for (let i = 0; i < 12; i++) expect((await get(app, '/v1/payouts/a', KEYS.bot)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
