import { KEYS, TestApp, startTestApp } from '../support/test-app';

/** Unknown query parameters and out-of-range values are a 400 with a code on every route (docs/api.md, "Errors"). */
describe('Query strings (real app)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app.close());

  const call = async (method: string, path: string, key: string | null) => {
    const answer = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify({ reason: 'x', destination: 'alice@example.com' }),
    });
    return { status: answer.status, body: (await answer.json()) as { code?: string; message?: string[] } };
  };

  it.each<[string, string, string | null]>([
    ['GET', '/v1/admin/fallback-queue', KEYS.admin],
    ['GET', '/v1/admin/stats', KEYS.admin],
    ['GET', '/v1/admin/voltz/status', KEYS.admin],
    ['GET', '/v1/admin/reconciliation', KEYS.admin],
    ['POST', '/v1/admin/fallback/sweep', KEYS.admin],
    ['POST', '/v1/admin/payouts/ord_x/retry', KEYS.admin],
    ['GET', '/v1/payouts/ord_x', KEYS.bot],
    ['PUT', '/v1/payouts/ord_x/destination', KEYS.bot],
    ['GET', '/v1/audit/payouts/ord_x/events', KEYS.auditor],
    ['GET', '/health/ready', null],
  ])('%s %s?limit=0&junk=1 -> 400 unknown_query_parameter naming each parameter', async (method, path, key) => {
    const answer = await call(method, `${path}?limit=0&junk=1`, key);
    expect(answer).toEqual({
      status: 400,
      body: expect.objectContaining({
        code: 'unknown_query_parameter',
        message: ['property limit should not exist', 'property junk should not exist'],
      }),
    });
  });

  it('routes that read a query judge each value: out of range, malformed, or unknown', async () => {
    expect((await call('GET', '/v1/admin/payouts?limit=0', KEYS.admin)).body.code).toBe('invalid_limit');
    expect((await call('GET', '/v1/admin/payouts?limit=501', KEYS.admin)).body.code).toBe('invalid_limit');
    expect((await call('GET', '/v1/admin/payouts?junk=1', KEYS.admin)).body.code).toBe('unknown_query_parameter');
    expect((await call('GET', '/v1/audit/events?limit=-1', KEYS.auditor)).body.code).toBe('invalid_limit');
    expect((await call('GET', '/v1/audit/digests?limit=1001', KEYS.auditor)).body.code).toBe('invalid_limit');
    expect((await call('GET', '/v1/audit/events?after=x', KEYS.auditor)).status).toBe(400);
    expect((await call('GET', '/v1/admin/payouts?limit=1', KEYS.admin)).status).toBe(200);
  });

  it('a caller without a key learns nothing about parameters: 401 first', async () => {
    expect((await call('GET', '/v1/admin/stats?junk=1', null)).status).toBe(401);
  });
});
