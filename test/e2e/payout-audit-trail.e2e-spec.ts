import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { webhookStreamName } from '../../src/domain/streams/stream-names';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitForEvent } from '../support/webhook-test-app';

/**
 * The acceptance case: a payout whose payment POST got a Cloudflare
 * 520 after the money moved. Its audit trail tells the whole story, every
 * event carries its metadata, the wallet paid once, and the bot got exactly
 * one signed payout.settled.
 */
const SECRET = 'whsec_audit_trail_0123456789';
const DONE: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];

describe('Audit trail of a Cloudflare-520 payout (real app, sandbox wallet, real webhook receiver)', () => {
  let h: PayoutHarness;
  let bot: WebhookReceiver;

  beforeAll(async () => {
    bot = await WebhookReceiver.start(SECRET);
    h = await startPayoutHarness({ BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    await bot.close();
  });

  const orderId = 'ord_audit_cf520';
  const correlationId = 'bot-req-7f3a91';

  it('records PixConfirmed .. Payment520(cloudflare, CF-RAY) .. PaymentSettled with full metadata, and the bot hears once', async () => {
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
    const created = await h.request(
      'POST',
      '/v1/payouts',
      KEYS.bot,
      {
        orderId,
        pix: { endToEndId: 'E18236120202507091200s0123456789', amountCents: 5000, paidAt: '2025-07-09T12:00:00Z' },
        amountSats: 21000,
        destination: h.address('alice'),
      },
      { 'X-Correlation-Id': correlationId },
    );
    expect(created.status).toBe(201);
    expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');

    // --- the audit trail, as an auditor reads it ---
    const trail = await h.auditor('GET', `/v1/audit/payouts/${orderId}/events`);
    expect(trail.status).toBe(200);
    expect(trail.body.stream).toBe(`payout-${orderId}`);
    const events: {
      revision: number;
      position: string;
      id: string;
      type: string;
      data: Record<string, any>;
      metadata: Record<string, any>;
      createdAt: string;
    }[] = trail.body.events;
    expect(events.map((e) => e.type)).toEqual([
      'PixConfirmed',
      'DestinationSubmitted',
      'AddressResolved',
      'PaymentAttempted',
      'Payment520',
      'PaymentOutcomeUnknown',
      'PaymentSettled',
    ]);

    // Revisions 0..n in stream order, global positions increasing, unique ids, a timestamp each.
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    const positions = events.map((e) => BigInt(e.position));
    positions.slice(1).forEach((p, i) => expect(p > positions[i]).toBe(true));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const e of events) {
      // docs/api.md's fields (more may be added freely).
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['revision', 'position', 'id', 'type', 'data', 'metadata', 'createdAt']));
      expect(new Date(e.createdAt).toISOString()).toBe(e.createdAt);
      // Metadata on every event: the bot's correlation id follows the payout through the saga and the processor.
      expect(e.metadata).toEqual(expect.objectContaining({ correlationId, schemaVersion: 1 }));
      expect(e.metadata).toHaveProperty('causationId');
      expect(e.metadata.causationId === null || typeof e.metadata.causationId === 'string').toBe(true);
    }
    expect(events.map((e) => e.metadata.actor)).toEqual(['bot', 'bot', 'system', 'system', 'system', 'system', 'system']);

    const byType = (type: string) => events.find((e) => e.type === type)!.data;
    const attempted = byType('PaymentAttempted');
    expect(attempted).toMatchObject({ attempt: 1, amountMsat: 21_000_000, paymentHash: byType('AddressResolved').invoice.paymentHash });
    // The 520 is kept as Cloudflare's (HTML page), with its ray id, for the same attempt and hash.
    const cf = byType('Payment520');
    expect(cf).toMatchObject({
      attempt: 1,
      paymentHash: attempted.paymentHash,
      source: 'cloudflare',
      httpStatus: 520,
      detail: null,
      lnbitsStatus: null,
    });
    expect(cf.cfRay).toMatch(/^[0-9a-f]{16}-GRU$/);
    expect(byType('PaymentOutcomeUnknown').reason).toContain(cf.cfRay);
    const settled = byType('PaymentSettled');
    expect(settled.paymentHash).toBe(attempted.paymentHash);
    expect(createHash('sha256').update(Buffer.from(settled.preimage, 'hex')).digest('hex')).toBe(attempted.paymentHash);

    // The global log holds the same events in the same order.
    const globalLog = await h.auditor('GET', `/v1/audit/events?limit=1000`);
    expect(globalLog.status).toBe(200);
    expect(
      globalLog.body.events.filter((e: { stream: string }) => e.stream === `payout-${orderId}`).map((e: { id: string }) => e.id),
    ).toEqual(events.map((e) => e.id));

    // --- ground truth: one POST, one payment of exactly 21000 sat ---
    expect(h.sandbox.lnbits.postCount(attempted.paymentHash)).toBe(1);
    expect(await h.paidMsat(orderId)).toBe(21_000_000);

    // --- the bot: exactly one signed payout.settled (deduped by id) ---
    await bot.next(orderId, 'payout.settled');
    const settledEventId = events[events.length - 1].id;
    // The delivery is audited once it is acknowledged; by then nothing else for this order is on its way.
    await waitForEvent(
      h.store,
      webhookStreamName(orderId),
      (e) => e.type === 'WebhookDelivered' && (e.data as { deliveryId?: string }).deliveryId === settledEventId,
    );
    const mine = bot.requests((w) => w.body.orderId === orderId);
    expect(mine.every((w) => w.signatureValid)).toBe(true);
    const distinct = new Map(mine.map((w) => [w.body.id, w]));
    expect([...distinct.values()].map((w) => w.body.type)).toEqual(['payout.settled']);
    const [hook] = distinct.values();
    expect(hook.body.id).toBe(settledEventId);
    expect(Object.keys(hook.body)).toEqual(['id', 'type', 'orderId', 'occurredAt', 'payout']);
    expect(hook.body).toMatchObject({ type: 'payout.settled', orderId });
    expect(hook.body.payout).toMatchObject({
      orderId,
      status: 'SETTLED',
      amountSats: 21000,
      paymentHash: attempted.paymentHash,
      preimage: settled.preimage,
    });

    // The signature, checked here independently of the receiver: HMAC-SHA256(secret, "<t>.<raw body>").
    const header = String(hook.headers['x-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const expected = createHmac('sha256', SECRET).update(`${match![1]}.${hook.raw}`).digest();
    expect(timingSafeEqual(expected, Buffer.from(match![2], 'hex'))).toBe(true);
    expect(Math.abs(Date.now() / 1000 - Number(match![1]))).toBeLessThan(300);
  });

  it('the audit trail is for auditors only: 403 for bot and admin keys, 401 without a key, 404 for an unknown order', async () => {
    const path = `/v1/audit/payouts/${orderId}/events`;
    expect((await h.request('GET', path, KEYS.bot)).status).toBe(403);
    expect((await h.request('GET', path, KEYS.admin)).status).toBe(403);
    const anonymous = await h.request('GET', path, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await h.request('GET', path, 'not-a-key')).status).toBe(401);
    expect((await h.request('GET', path, KEYS.both)).status).toBe(200);
    expect((await h.auditor('GET', '/v1/audit/payouts/ord_never_seen/events')).status).toBe(404);
  });
});
