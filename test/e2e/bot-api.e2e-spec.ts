import request from 'supertest';
import { forgeBadSignature, mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { KEYS, TestApp, startTestApp } from '../support/test-app';
import { TestClock } from '../support/test-clock';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
/** The app runs in sandbox mode: these addresses resolve on its loopback Lightning Address server. */
const address = (user: string) => `${user}@sandbox.pix-lightning.test`;
let sequence = 0;
const e2eId = () => `E${String(++sequence).padStart(31, '0')}`;

function payoutBody(overrides: Record<string, unknown> = {}) {
  return {
    orderId: `ord_${++sequence}`,
    pix: { endToEndId: e2eId(), amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' },
    amountSats: 21000,
    ...overrides,
  };
}

describe('Bot API (real app, real SQLite, HTTP on 127.0.0.1)', () => {
  let t: TestApp;
  const clock = new TestClock();
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const invoice = (overrides: Partial<Parameters<typeof mintInvoice>[0]> = {}) =>
    mintInvoice({ network: 'regtest', amountMsat: 21_000_000, timestamp: nowSeconds(), expirySeconds: 3600, ...overrides }).bolt11;

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => t.close());

  const post = (body: unknown, key = KEYS.bot) =>
    request(t.url)
      .post('/v1/payouts')
      .set(bearer(key))
      .send(body as object);

  describe('POST /v1/payouts', () => {
    it('201 creates a payout awaiting a destination', async () => {
      const body = payoutBody();
      const res = await post(body).expect(201);
      expect(res.body).toMatchObject({
        orderId: body.orderId,
        status: 'AWAITING_DESTINATION',
        amountSats: 21000,
        amountCents: 5000,
        endToEndId: body.pix.endToEndId,
        destination: null,
        paymentHash: null,
        preimage: null,
        feeMsat: 0,
        attempts: 0,
        lastError: null,
        settledAt: null,
      });
      expect(Date.parse(res.body.createdAt)).toBe(clock.now().getTime());
    });

    it('201 with a Lightning Address (lower-cased, lightning: prefix accepted) goes to RESOLVING', async () => {
      const res = await post(payoutBody({ destination: 'lightning:Alice@SANDBOX.pix-lightning.test' })).expect(201);
      expect(res.body).toMatchObject({ status: 'RESOLVING', destination: address('alice') });
    });

    it('201 with a valid BOLT11 goes to PAYING', async () => {
      const bolt11 = invoice();
      const res = await post(payoutBody({ destination: `LIGHTNING:${bolt11.toUpperCase()}` })).expect(201);
      expect(res.body).toMatchObject({ status: 'PAYING', destination: bolt11 });
    });

    it('200 when the same order is sent again, and nothing new is recorded', async () => {
      const body = payoutBody();
      const first = await post(body).expect(201);
      const again = await post(body).expect(200);
      expect(again.body).toEqual(first.body);
      const audit = await request(t.url).get(`/v1/audit/payouts/${body.orderId}/events`).set(bearer(KEYS.auditor)).expect(200);
      expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual(['PixConfirmed']);
    });

    it('200 on a replay with or without the destination given first, confirming the PIX once', async () => {
      const body = payoutBody({ destination: address('bob') });
      await post(body).expect(201);
      expect((await post(body).expect(200)).body.destination).toBe(address('bob'));
      expect((await post({ ...body, destination: undefined }).expect(200)).body.destination).toBe(address('bob'));
      const audit = await request(t.url).get(`/v1/audit/payouts/${body.orderId}/events`).set(bearer(KEYS.auditor)).expect(200);
      const types = audit.body.events.map((e: { type: string }) => e.type);
      expect(types.filter((type: string) => type === 'PixConfirmed')).toHaveLength(1);
      expect(types.filter((type: string) => type === 'DestinationSubmitted')).toHaveLength(1);
    });

    it('200 when a replay adds the destination the first request lacked', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      const res = await post({ ...body, destination: address('carol') }).expect(200);
      expect(res.body).toMatchObject({ status: 'RESOLVING', destination: address('carol') });
    });

    it('409 when the orderId exists with different values', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      const res = await post({ ...body, amountSats: 21001 }).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(res.body.message).toMatch(/different values/);
      await post({ ...body, pix: { ...body.pix, amountCents: 1 } }).expect(409);
    });

    it('409 when the endToEndId was already used by another order, which is then not created', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      const other = payoutBody({ pix: body.pix });
      const res = await post(other).expect(409);
      expect(res.body.message).toMatch(/endToEndId/);
      await request(t.url).get(`/v1/payouts/${other.orderId}`).set(bearer(KEYS.bot)).expect(404);
    });

    it('409 when the BOLT11 is already the destination of another order (one payment must not settle two)', async () => {
      const bolt11 = invoice();
      await post(payoutBody({ destination: bolt11 })).expect(201);
      const other = payoutBody({ destination: bolt11 });
      const res = await post(other).expect(409);
      expect(res.body.message).toMatch(/another order/);
      const waiting = payoutBody();
      await post(waiting).expect(201);
      await request(t.url)
        .put(`/v1/payouts/${waiting.orderId}/destination`)
        .set(bearer(KEYS.bot))
        .send({ destination: bolt11 })
        .expect(409);
      // The same invoice again for the same order is a replay, not a conflict.
      await post({ ...other, destination: invoice() }).expect(201);
    });

    it("a 409 reserves nothing: the refused order's endToEndId and invoice stay free for other orders", async () => {
      const bolt11 = invoice();
      await post(payoutBody({ destination: bolt11 })).expect(201);
      const refused = payoutBody({ destination: bolt11 });
      expect((await post(refused).expect(409)).body.code).toBe('invoice_in_use');
      const first = payoutBody();
      await post(first).expect(201);
      const unused = invoice();
      expect((await post(payoutBody({ pix: first.pix, destination: unused })).expect(409)).body.code).toBe('end_to_end_id_used');
      await post(payoutBody({ pix: refused.pix })).expect(201);
      await post(payoutBody({ destination: unused })).expect(201);
    });

    it('400 names each bad field and records nothing', async () => {
      const res = await post({
        orderId: 'bad id!',
        pix: { endToEndId: 'X1', amountCents: 1.5, paidAt: 'yesterday' },
        amountSats: -3,
      }).expect(400);
      const messages: string[] = res.body.message;
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'validation_failed' });
      for (const field of ['orderId', 'pix.endToEndId', 'pix.amountCents', 'pix.paidAt', 'amountSats']) {
        expect(messages.some((m) => m.startsWith(field))).toBe(true);
      }
      await request(t.url)
        .get('/v1/audit/events?limit=1000')
        .set(bearer(KEYS.auditor))
        .expect(200)
        .then((r) => expect(r.body.events.some((e: { stream: string }) => e.stream.includes('bad id'))).toBe(false));
    });

    it('400 when pix is missing, amounts are strings, or paidAt has no time zone', async () => {
      await post({ orderId: 'ord_x1', amountSats: 1 }).expect(400);
      await post(payoutBody({ amountSats: '21000' })).expect(400);
      const res = await post(payoutBody({ pix: { endToEndId: e2eId(), amountCents: 5000, paidAt: '2025-07-09T12:00:00' } })).expect(400);
      expect(res.body.message.join(' ')).toMatch(/pix.paidAt/);
    });

    it('400 when amountSats exceeds MAX_PAYOUT_SATS', async () => {
      const res = await post(payoutBody({ amountSats: 1_000_001 })).expect(400);
      expect(res.body.message).toMatch(/MAX_PAYOUT_SATS/);
    });

    it('400 when the destination is neither a Lightning Address nor a BOLT11', async () => {
      for (const destination of ['not a destination', 'alice@', 'lnbc1garbage', '@example.com']) {
        const body = payoutBody({ destination });
        const res = await post(body).expect(400);
        expect(JSON.stringify(res.body.message)).toMatch(/destination/);
        await request(t.url).get(`/v1/payouts/${body.orderId}`).set(bearer(KEYS.bot)).expect(404);
      }
    });

    it('413 when the body is too large', async () => {
      await post({ ...payoutBody(), padding: 'x'.repeat(70 * 1024) }).expect(413);
    });

    it('a 10-minute invoice is accepted; one with less than MIN_INVOICE_VALIDITY_S (60 s) left is a 422 naming it', async () => {
      await post(payoutBody({ destination: invoice({ expirySeconds: 600 }) })).expect(201);
      await post(payoutBody({ destination: invoice({ expirySeconds: 61 }) })).expect(201);
      const res = await post(payoutBody({ destination: invoice({ expirySeconds: 59 }) })).expect(422);
      expect(res.body).toMatchObject({ code: 'invoice_expired' });
      expect(res.body.message).toMatch(/MIN_INVOICE_VALIDITY_S \(60 s\)/);
    });

    describe('422 for a BOLT11 this payout can never pay, recording nothing', () => {
      const cases: [string, () => string, RegExp][] = [
        ['amount differs', () => invoice({ amountMsat: 20_999_000 }), /amount/i],
        ['sub-satoshi amount', () => invoice({ amountMsat: 21_000_001 }), /amount/i],
        ['expired', () => invoice({ timestamp: nowSeconds() - 7200, expirySeconds: 3600 }), /expire/i],
        ['about to expire', () => invoice({ expirySeconds: 60 }), /expire/i],
        [
          'wrong network',
          () => mintInvoice({ network: 'bitcoin', amountMsat: 21_000_000, timestamp: nowSeconds() }).bolt11,
          /pays on regtest/,
        ],
        [
          'signet invoice on regtest',
          () => mintInvoice({ network: 'signet', amountMsat: 21_000_000, timestamp: nowSeconds() }).bolt11,
          /pays on regtest/,
        ],
        ['amountless', () => invoice({ amountMsat: null }), /amount/i],
        ['bad signature', () => forgeBadSignature(invoice({ includePayeeNodeKey: true }), 'tampered_payload'), /signature/i],
      ];
      it.each(cases)('%s', async (_name, make, reason) => {
        const body = payoutBody({ destination: make() });
        const res = await post(body).expect(422);
        expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
        expect(res.body.message).toMatch(reason);
        await request(t.url).get(`/v1/payouts/${body.orderId}`).set(bearer(KEYS.bot)).expect(404);
        // The endToEndId was not reserved either: the bot can resend with a good destination.
        await post({ ...body, destination: invoice() }).expect(201);
      });
    });
  });

  describe('authentication and roles', () => {
    it('401 without a key or with an unknown key', async () => {
      await request(t.url).post('/v1/payouts').send(payoutBody()).expect(401);
      const res = await post(payoutBody(), 'nope').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await request(t.url).get('/v1/payouts/ord_1').set({ Authorization: 'Basic abc' }).expect(401);
    });

    it('403 with a known key of the wrong role', async () => {
      await post(payoutBody(), KEYS.admin).expect(403);
      await post(payoutBody(), KEYS.auditor).expect(403);
      await request(t.url).get('/v1/audit/events').set(bearer(KEYS.bot)).expect(403);
      await request(t.url).get('/v1/audit/events').set(bearer(KEYS.admin)).expect(403);
    });

    it('GET /v1/payouts/{id} accepts bot, admin and auditor; a key in two lists has both roles', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      for (const key of [KEYS.bot, KEYS.admin, KEYS.auditor, KEYS.both]) {
        await request(t.url).get(`/v1/payouts/${body.orderId}`).set(bearer(key)).expect(200);
      }
      await request(t.url).get('/v1/audit/events').set(bearer(KEYS.both)).expect(200);
    });

    it('/health needs no key', async () => {
      await request(t.url).get('/health/live').expect(200);
      const ready = await request(t.url).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ ready: true, eventStore: { reachable: true } });
    });
  });

  describe('GET /v1/payouts/{orderId}', () => {
    it('404 for an unknown order, 400 for a malformed id', async () => {
      const res = await request(t.url).get('/v1/payouts/ord_missing').set(bearer(KEYS.bot)).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      await request(t.url).get('/v1/payouts/bad%20id').set(bearer(KEYS.bot)).expect(400);
    });
  });

  describe('PUT /v1/payouts/{orderId}/destination', () => {
    const put = (orderId: string, destination: unknown) =>
      request(t.url).put(`/v1/payouts/${orderId}/destination`).set(bearer(KEYS.bot)).send({ destination });

    it('202 while awaiting a destination', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      const res = await put(body.orderId, address('dave')).expect(202);
      expect(res.body).toMatchObject({ orderId: body.orderId, status: 'RESOLVING', destination: address('dave') });
    });

    it('409 once a destination is being paid (or was paid)', async () => {
      const body = payoutBody({ destination: address('erin') });
      await post(body).expect(201);
      const res = await put(body.orderId, invoice()).expect(409);
      expect(res.body.message).toMatch(/RESOLVING|PAYING|in flight|settled/);
    });

    it('404 for an unknown order', async () => {
      await put('ord_nobody', 'x@example.com').expect(404);
    });

    it('422 for an unpayable BOLT11 and 400 for garbage, changing nothing', async () => {
      const body = payoutBody();
      await post(body).expect(201);
      await put(body.orderId, invoice({ amountMsat: 1000 })).expect(422);
      await put(body.orderId, 'garbage').expect(400);
      await put(body.orderId, 42).expect(400);
      const res = await request(t.url).get(`/v1/payouts/${body.orderId}`).set(bearer(KEYS.bot)).expect(200);
      expect(res.body.status).toBe('AWAITING_DESTINATION');
    });
  });

  describe('auditor endpoints', () => {
    it('a stream reads back with revisions 0..n, positions and metadata', async () => {
      const body = payoutBody({ destination: address('frank') });
      await post(body).set({ 'X-Correlation-Id': 'corr-123' }).expect(201);
      const res = await request(t.url).get(`/v1/audit/payouts/${body.orderId}/events`).set(bearer(KEYS.auditor)).expect(200);
      expect(res.body.stream).toBe(`payout-${body.orderId}`);
      expect(res.body.events.map((e: { revision: number }) => e.revision)).toEqual(res.body.events.map((_: unknown, i: number) => i));
      expect(res.body.events.slice(0, 2).map((e: { type: string }) => e.type)).toEqual(['PixConfirmed', 'DestinationSubmitted']);
      expect(res.body.events[0]).toMatchObject({
        type: 'PixConfirmed',
        data: { orderId: body.orderId, amountSats: 21000, amountCents: 5000, endToEndId: body.pix.endToEndId },
        metadata: { correlationId: 'corr-123', causationId: null, actor: 'bot', schemaVersion: 1 },
      });
      expect(typeof res.body.events[0].id).toBe('string');
      expect(Number(res.body.events[1].position)).toBeGreaterThan(Number(res.body.events[0].position));
      await request(t.url).get('/v1/audit/payouts/ord_none/events').set(bearer(KEYS.auditor)).expect(404);
    });

    it('the global log pages by position', async () => {
      const first = await request(t.url).get('/v1/audit/events?limit=2').set(bearer(KEYS.auditor)).expect(200);
      expect(first.body.events).toHaveLength(2);
      expect(first.body.next).toBe(first.body.events[1].position);
      const second = await request(t.url).get(`/v1/audit/events?after=${first.body.next}&limit=2`).set(bearer(KEYS.auditor)).expect(200);
      expect(Number(second.body.events[0].position)).toBeGreaterThan(Number(first.body.next));
      await request(t.url).get('/v1/audit/events?limit=0').set(bearer(KEYS.auditor)).expect(400);
      await request(t.url).get('/v1/audit/events?after=abc').set(bearer(KEYS.auditor)).expect(400);
    });
  });
});
