import request from 'supertest';
import { KEYS, TestApp, startTestApp } from '../support/test-app';
import { TestClock } from '../support/test-clock';

/**
 * What a hostile or careless client sends: arrays and nulls where objects
 * belong, numbers beyond 2^53, bodies nested thousands deep, prototype keys,
 * odd or repeated query parameters, wrong content types, odd path segments.
 * Each must be a 4xx carrying a `code`, never a 5xx, and must record nothing.
 */
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
let sequence = 0;
const e2eId = () => `E${String(++sequence).padStart(31, '7')}`;

function payoutBody(overrides: Record<string, unknown> = {}) {
  return {
    orderId: `hostile_${++sequence}`,
    pix: { endToEndId: e2eId(), amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' },
    amountSats: 21000,
    ...overrides,
  };
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('Hostile input (real app, real SQLite, HTTP on 127.0.0.1)', () => {
  let t: TestApp;
  const clock = new TestClock();
  let existing: ReturnType<typeof payoutBody>;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    existing = payoutBody();
    await request(t.url).post('/v1/payouts').set(bearer(KEYS.bot)).send(existing).expect(201);
  });
  afterAll(async () => t.close());

  /** Every event of the global log, paged the way an auditor would. */
  async function allEvents(): Promise<{ position: string }[]> {
    const events: { position: string }[] = [];
    let after: string | null = null;
    for (;;) {
      const query: string = after === null ? '?limit=1000' : `?limit=1000&after=${after}`;
      const res = await request(t.url).get(`/v1/audit/events${query}`).set(bearer(KEYS.auditor)).expect(200);
      events.push(...res.body.events);
      if (res.body.next === null) return events;
      after = res.body.next;
    }
  }

  /** Runs the refused request and checks its status and code, and that the log did not grow. */
  async function refused(send: () => request.Test, status: number, code?: string | RegExp): Promise<request.Response> {
    const before = (await allEvents()).length;
    const res = await send();
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { statusCode: status } });
    expect(typeof res.body.code).toBe('string');
    expect(res.body.code).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(typeof res.body.error).toBe('string');
    if (code !== undefined) expect(res.body.code).toMatch(code);
    expect((await allEvents()).length).toBe(before);
    return res;
  }

  const post = (body: unknown) =>
    request(t.url)
      .post('/v1/payouts')
      .set(bearer(KEYS.bot))
      .send(body as object);
  const postRaw = (raw: string, contentType = 'application/json') =>
    request(t.url).post('/v1/payouts').set(bearer(KEYS.bot)).set('Content-Type', contentType).send(raw);

  describe('POST /v1/payouts: objects, numbers and instants', () => {
    it.each<[string, unknown]>([
      ['an empty array', []],
      ['an array holding a valid pix', [{ endToEndId: 'E' + '1'.repeat(31), amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' }]],
      ['null', null],
      ['a string', 'pix'],
      ['a number', 5000],
    ])('pix as %s is a 400 naming pix', async (_name, pix) => {
      const res = await refused(() => post(payoutBody({ pix })), 400);
      expect(res.body.message.some((m: string) => m.startsWith('pix'))).toBe(true);
    });

    it('the same endToEndId inside an array is still a 400, not a 409 against the order that used it', async () => {
      await refused(() => post(payoutBody({ pix: [existing.pix] })), 400);
    });

    it.each<[string, string]>([
      ['an array', JSON.stringify([payoutBody()])],
      ['a string', JSON.stringify('hello')],
      ['a number', '42'],
      ['null', 'null'],
    ])('a body that is %s is a 400', async (_name, raw) => {
      await refused(() => postRaw(raw), 400);
    });

    it.each<[string, number]>([
      ['2^53 + 2', 2 ** 53 + 2],
      ['1e300', 1e300],
    ])('amounts of %s are 400s, not stored', async (_name, huge) => {
      const cents = await refused(
        () => post(payoutBody({ pix: { endToEndId: e2eId(), amountCents: huge, paidAt: '2025-07-09T12:00:00Z' } })),
        400,
      );
      expect(cents.body.message.join(' ')).toMatch(/pix\.amountCents/);
      const sats = await refused(() => post(payoutBody({ amountSats: huge })), 400);
      expect(sats.body.message.join(' ')).toMatch(/amountSats/);
    });

    it('amountSats above MAX_PAYOUT_SATS stays a 400 naming it', async () => {
      const res = await refused(() => post(payoutBody({ amountSats: t.config.maxPayoutSats + 1 })), 400, 'amount_too_large');
      expect(res.body.message).toMatch(/MAX_PAYOUT_SATS/);
    });

    it.each([
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '1970-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '2025-02-30T12:00:00Z',
      '2025-07-09T25:00:00Z',
    ])('paidAt %s is a 400 naming pix.paidAt', async (paidAt) => {
      const res = await refused(() => post(payoutBody({ pix: { endToEndId: e2eId(), amountCents: 5000, paidAt } })), 400);
      expect(res.body.message.join(' ')).toMatch(/pix\.paidAt/);
    });

    it.each<[string, unknown]>([
      ['a number', 42],
      ['an array', ['alice@sandbox.pix-lightning.test']],
      ['an object', { address: 'alice@sandbox.pix-lightning.test' }],
      ['null', null],
    ])('destination as %s is a 400 naming destination', async (_name, destination) => {
      const res = await refused(() => post(payoutBody({ destination })), 400);
      expect(JSON.stringify(res.body.message)).toMatch(/destination/);
    });

    it('unicode look-alikes in orderId and endToEndId are 400s', async () => {
      await refused(() => post(payoutBody({ orderId: 'ord_１２３' })), 400);
      await refused(
        () => post(payoutBody({ pix: { endToEndId: 'Е' + '1'.repeat(31), amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' } })),
        400,
      );
    });
  });

  describe('JSON itself', () => {
    it('a body nested 5000 levels deep is a 400 with a code, wherever the nesting sits', async () => {
      await refused(() => postRaw(`{"orderId":"deep_1","pix":${nested(5000)}}`), 400, 'body_too_deep');
      await refused(() => postRaw(nested(5000)), 400, 'body_too_deep');
      await refused(
        () =>
          request(t.url)
            .put(`/v1/payouts/${existing.orderId}/destination`)
            .set(bearer(KEYS.bot))
            .set('Content-Type', 'application/json')
            .send(`{"destination":${nested(100)}}`),
        400,
        'body_too_deep',
      );
    });

    it('nesting up to the bound is judged by validation, not refused as too deep', async () => {
      const res = await refused(() => postRaw(`{"orderId":"deep_2","pix":${nested(20)}}`), 400, 'validation_failed');
      expect(res.body.message.join(' ')).toMatch(/pix/);
    });

    it('malformed JSON is a 400 with a code', async () => {
      await refused(() => postRaw('{"orderId":'), 400, 'malformed_json');
      await refused(() => postRaw("{'orderId': 'x'}"), 400, 'malformed_json');
    });

    it('an empty body is a 400', async () => {
      await refused(() => postRaw(''), 400);
      await refused(() => request(t.url).post('/v1/payouts').set(bearer(KEYS.bot)), 400);
    });

    it('over 64 KiB keeps its 413 and gains a code', async () => {
      await refused(() => post({ ...payoutBody(), padding: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large');
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])(
      'a %s body is a 4xx with a code, never a 5xx',
      async (contentType) => {
        await refused(() => postRaw(JSON.stringify(payoutBody()), contentType), 415, 'unsupported_media_type');
      },
    );

    it('prototype keys are refused and pollute nothing', async () => {
      const body = JSON.stringify(payoutBody()).replace(/^\{/, '{"__proto__":{"polluted":true},');
      await refused(() => postRaw(body), 400, 'forbidden_key');
      const inPix = JSON.stringify(payoutBody()).replace('"pix":{', '"pix":{"constructor":{"prototype":{"polluted":true}},');
      await refused(() => postRaw(inPix), 400, 'forbidden_key');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('other bodies', () => {
    it.each<[string, string]>([
      ['an array', '["alice@sandbox.pix-lightning.test"]'],
      ['a destination array', '{"destination":["alice@sandbox.pix-lightning.test"]}'],
      ['a destination object', '{"destination":{"toString":"x"}}'],
      ['null', 'null'],
    ])('PUT destination with %s is a 400', async (_name, raw) => {
      await refused(
        () =>
          request(t.url)
            .put(`/v1/payouts/${existing.orderId}/destination`)
            .set(bearer(KEYS.bot))
            .set('Content-Type', 'application/json')
            .send(raw),
        400,
      );
    });

    it.each<[string, string]>([
      ['an array', '["mistake"]'],
      ['a reason array', '{"reason":["mistake"]}'],
      ['an empty reason', '{"reason":""}'],
      ['a 501-character reason', JSON.stringify({ reason: 'x'.repeat(501) })],
    ])('cancel with %s is a 400', async (_name, raw) => {
      await refused(
        () =>
          request(t.url)
            .post(`/v1/admin/payouts/${existing.orderId}/cancel`)
            .set(bearer(KEYS.admin))
            .set('Content-Type', 'application/json')
            .send(raw),
        400,
      );
    });
  });

  describe('query strings', () => {
    const audit = (query: string) => () => request(t.url).get(`/v1/audit/events?${query}`).set(bearer(KEYS.auditor));

    it.each([
      'after=1/2',
      'after=99999999999999999999',
      'after[]=1',
      'after=1&after=2',
      'after=-1',
      'after=abc',
      'after=',
      'after=01',
      `after=${'9'.repeat(70)}`,
    ])('GET /v1/audit/events?%s is a 400 invalid_position', async (query) => {
      await refused(audit(query), 400, 'invalid_position');
    });

    it('a well-formed position beyond the head of the log is a 400 unknown_position', async () => {
      const events = await allEvents();
      const head = Number(events[events.length - 1].position);
      await refused(audit(`after=${head + 1}`), 400, 'unknown_position');
      await refused(audit('after=9007199254740991'), 400, 'unknown_position');
      const atHead = await request(t.url).get(`/v1/audit/events?after=${head}`).set(bearer(KEYS.auditor)).expect(200);
      expect(atHead.body).toEqual({ events: [], next: null });
    });

    it.each([
      'limit=1e3',
      'limit=1.5',
      'limit=1.0',
      'limit=-1',
      'limit=0',
      'limit=1001',
      'limit=99999999999999999999',
      'limit[]=5',
      'limit=5&limit=6',
      'limit=0x10',
      'limit= 5',
      'limit=',
    ])('GET /v1/audit/events?%s is a 400', async (query) => {
      await refused(audit(query), 400, 'invalid_limit');
    });

    const admin = (query: string) => () => request(t.url).get(`/v1/admin/payouts?${query}`).set(bearer(KEYS.admin));

    it.each<[string, string]>([
      ['limit=1e3', 'invalid_limit'],
      ['limit=2.5', 'invalid_limit'],
      ['limit=-5', 'invalid_limit'],
      ['limit=501', 'invalid_limit'],
      ['limit[]=5', 'invalid_limit'],
      ['status=settled', 'invalid_status'],
      ['status=SETTLED&status=FAILED', 'invalid_status'],
      ['status[]=SETTLED', 'invalid_status'],
      ['status=__proto__', 'invalid_status'],
      ['cursor=garbage', 'invalid_cursor'],
      ['cursor=a&cursor=b', 'invalid_cursor'],
      [`cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'invalid_cursor'],
      ['cursor=%00', 'invalid_cursor'],
    ])('GET /v1/admin/payouts?%s is a 400 %s', async (query, code) => {
      await refused(admin(query), 400, code);
    });

    it('a cursor longer than any this API hands out is a 400 invalid_cursor', async () => {
      await refused(admin(`cursor=${'A'.repeat(600)}`), 400, 'invalid_cursor');
    });

    it('unknown query parameters are refused, prototype keys included', async () => {
      await refused(audit('limit=5&__proto__=x'), 400, 'unknown_query_parameter');
      await refused(admin('constructor=x'), 400, 'unknown_query_parameter');
    });

    it('well-formed queries still work', async () => {
      await request(t.url).get('/v1/audit/events?limit=5').set(bearer(KEYS.auditor)).expect(200);
      const page = await request(t.url).get('/v1/admin/payouts?status=AWAITING_DESTINATION&limit=1').set(bearer(KEYS.admin)).expect(200);
      expect(page.body.items).toHaveLength(1);
    });
  });

  describe('path parameters', () => {
    const routes = (orderId: string) => [
      () => request(t.url).get(`/v1/payouts/${orderId}`).set(bearer(KEYS.bot)),
      () =>
        request(t.url)
          .put(`/v1/payouts/${orderId}/destination`)
          .set(bearer(KEYS.bot))
          .send({ destination: 'alice@sandbox.pix-lightning.test' }),
      () => request(t.url).get(`/v1/audit/payouts/${orderId}/events`).set(bearer(KEYS.auditor)),
      () => request(t.url).post(`/v1/admin/payouts/${orderId}/retry`).set(bearer(KEYS.admin)),
      () => request(t.url).post(`/v1/admin/payouts/${orderId}/cancel`).set(bearer(KEYS.admin)).send({ reason: 'x' }),
    ];

    it.each<[string, string]>([
      ['a NUL byte', '%00'],
      ['a NUL byte inside', 'a%00b'],
      ['65 characters', 'x'.repeat(65)],
      ['5000 characters', 'x'.repeat(5000)],
      ['unicode letters', '%C3%A9t%C3%A9'],
      ['a unicode look-alike of "ord_1"', 'ord_%EF%BC%91'],
      ['a space', 'ord%20id'],
      ['an encoded slash', 'a%2Fb'],
    ])('an orderId with %s is a 400 invalid_order_id on every route that takes one', async (_name, orderId) => {
      for (const send of routes(orderId)) await refused(send, 400, 'invalid_order_id');
    });

    it('a path with broken percent-encoding is a 400 malformed_path', async () => {
      for (const send of routes('%E0%A4%A')) await refused(send, 400, 'malformed_path');
    });
  });

  describe('every 4xx carries a code', () => {
    it('401 missing and unknown keys, 403 wrong role, 404 unknown route and order', async () => {
      await refused(() => request(t.url).post('/v1/payouts').send(payoutBody()), 401, 'missing_api_key');
      await refused(() => post(payoutBody()).set(bearer('nope')), 401, 'unknown_api_key');
      await refused(() => request(t.url).post('/v1/payouts').set(bearer(KEYS.auditor)).send(payoutBody()), 403, 'forbidden_role');
      await refused(() => request(t.url).get('/v1/nothing-here').set(bearer(KEYS.bot)), 404, 'route_not_found');
      await refused(() => request(t.url).delete('/v1/payouts').set(bearer(KEYS.bot)), 404, 'route_not_found');
      await refused(() => request(t.url).get('/v1/payouts/ord_unknown').set(bearer(KEYS.bot)), 404);
    });
  });
});
