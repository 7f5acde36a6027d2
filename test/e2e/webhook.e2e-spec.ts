import request from 'supertest';
import { EventStore } from '../../src/application/ports/event-store.port';
import { webhookStreamName } from '../../src/domain/streams/stream-names';
import { PayoutStreamWriter, ev, newInvoice } from '../support/payout-stream-writer';
import { makeTempDir } from '../support/temp-dir';
import { KEYS } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { WebhookTestApp, readStreamEvents, startWebhookTestApp, waitForEvent } from '../support/webhook-test-app';

const SECRET = 'whsec_e2e_0123456789abcdef';
/** Fast retries so the suite stays quick; the production defaults are 1 s doubling to 15 min, for 24 h. */
const FAST = { retryBaseMs: 20, retryMaxDelayMs: 100, timeoutMs: 400 };

const auditStream = webhookStreamName;
const outcomeOf = (store: EventStore, orderId: string, deliveryId: string) =>
  waitForEvent(store, auditStream(orderId), (event) => (event.data as { deliveryId?: string }).deliveryId === deliveryId);

describe('Webhook to the bot (real app, real SQLite, real HTTP receiver on 127.0.0.1)', () => {
  describe('one app, one receiver', () => {
    let t: WebhookTestApp;
    let bot: WebhookReceiver;

    beforeAll(async () => {
      bot = await WebhookReceiver.start(SECRET);
      t = await startWebhookTestApp({ env: { BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET }, webhook: FAST });
    });
    afterAll(async () => {
      await t?.close();
      await bot?.close();
      // Every request was signed correctly, and the secret never reached a log line.
      expect(bot.requests((w) => !w.signatureValid)).toEqual([]);
      expect(t.logger.lines.filter((line) => line.text.includes(SECRET))).toEqual([]);
      expect(t.logger.lines.filter((line) => line.text.includes('in-the-url'))).toEqual([]);
    });

    it(
      'PaymentSettled -> exactly one signed payout.settled carrying the Payout as GET returns it, ' + 'audited as WebhookDelivered',
      async () => {
        const payout = new PayoutStreamWriter(t.store);
        const invoice = newInvoice();
        await payout.append(payout.pixConfirmed(), ev.bolt11Submitted(invoice));
        await payout.one(ev.attempted(invoice, 1));
        await payout.append(ev.lnbits520(invoice, 1), ev.pending(invoice));
        const settled = await payout.one(ev.settled(invoice));

        const received = await bot.next(payout.orderId, 'payout.settled');
        const audit = await outcomeOf(t.store, payout.orderId, settled.id);

        expect(received.signatureValid).toBe(true);
        expect(received.headers['content-type']).toBe('application/json');
        expect(received.headers['x-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        expect(Object.keys(received.body)).toEqual(['id', 'type', 'orderId', 'occurredAt', 'payout']);
        const api = await request(t.url)
          .get(`/v1/payouts/${payout.orderId}`)
          .set({ Authorization: `Bearer ${KEYS.bot}` })
          .expect(200);
        expect(received.body).toEqual({
          id: settled.id,
          type: 'payout.settled',
          orderId: payout.orderId,
          occurredAt: settled.createdAt,
          payout: api.body,
        });
        expect(received.body.payout).toMatchObject({
          status: 'SETTLED',
          paymentHash: invoice.paymentHash,
          preimage: invoice.preimage,
          feeMsat: 1000,
          attempts: 1,
        });

        expect(bot.requests((w) => w.body.orderId === payout.orderId)).toHaveLength(1);
        expect(audit).toMatchObject({
          stream: auditStream(payout.orderId),
          type: 'WebhookDelivered',
          data: { deliveryId: settled.id, type: 'payout.settled', attempts: 1, httpStatus: 200, deliveredAt: expect.any(String) },
          metadata: { correlationId: settled.id, causationId: settled.id, actor: 'system', schemaVersion: 1 },
        });
        expect(await readStreamEvents(t.store, auditStream(payout.orderId))).toHaveLength(1);
      },
    );

    it('RetryQueued -> payout.retry_queued with the reason as lastError', async () => {
      const payout = new PayoutStreamWriter(t.store);
      const invoice = newInvoice();
      await payout.append(payout.pixConfirmed(), ev.addressSubmitted());
      await payout.one(ev.addressResolved(invoice));
      await payout.one(ev.attempted(invoice, 1));
      await payout.one(ev.failed(invoice, true));
      const queued = await payout.one(ev.retryQueued());

      const received = await bot.next(payout.orderId, 'payout.retry_queued');
      await outcomeOf(t.store, payout.orderId, queued.id);
      expect(received.body).toMatchObject({ id: queued.id, occurredAt: queued.createdAt });
      expect(received.body.payout).toMatchObject({
        orderId: payout.orderId,
        status: 'RETRY_QUEUED',
        lastError: 'in-process retries exhausted: no route found',
        attempts: 1,
      });
      expect(bot.requests((w) => w.body.orderId === payout.orderId)).toHaveLength(1);
    });

    it('PayoutCancelled -> payout.cancelled', async () => {
      const payout = new PayoutStreamWriter(t.store);
      await payout.one(payout.pixConfirmed());
      const cancelled = await payout.one(ev.cancelled());

      const received = await bot.next(payout.orderId, 'payout.cancelled');
      await outcomeOf(t.store, payout.orderId, cancelled.id);
      expect(received.body).toMatchObject({
        id: cancelled.id,
        payout: { status: 'CANCELLED', lastError: 'refunded by PIX', destination: null },
      });
      expect(bot.requests((w) => w.body.orderId === payout.orderId)).toHaveLength(1);
    });

    it('a permanent DestinationRejected -> payout.failed; PayoutEscalated -> payout.needs_attention', async () => {
      const rejected = new PayoutStreamWriter(t.store);
      await rejected.append(rejected.pixConfirmed(), ev.addressSubmitted('nobody@example.com'));
      const rejection = await rejected.one(ev.destinationRejected(true, 'LNURL: unknown user', 'nobody@example.com'));
      const escalated = new PayoutStreamWriter(t.store);
      const invoice = newInvoice();
      await escalated.append(escalated.pixConfirmed(), ev.bolt11Submitted(invoice), ev.attempted(invoice, 1), ev.unknown(invoice));
      const escalation = await escalated.one(ev.escalated());

      const failed = await bot.next(rejected.orderId, 'payout.failed');
      const attention = await bot.next(escalated.orderId, 'payout.needs_attention');
      expect(failed.body).toMatchObject({
        id: rejection.id,
        payout: { status: 'FAILED', lastError: 'LNURL: unknown user', destination: 'nobody@example.com' },
      });
      expect(attention.body).toMatchObject({ id: escalation.id, payout: { status: 'NEEDS_ATTENTION', paymentHash: invoice.paymentHash } });
    });

    it('says nothing about steps the customer need not hear about (PaymentAttempted, Payment520, pending, unknown...)', async () => {
      const payout = new PayoutStreamWriter(t.store);
      const first = newInvoice();
      const second = newInvoice();
      await payout.one(payout.pixConfirmed());
      await payout.one(ev.addressSubmitted());
      await payout.one(ev.destinationRejected(false, 'LNURL server timed out'));
      await payout.one(ev.addressResolved(first));
      await payout.one(ev.attempted(first, 1));
      await payout.one(ev.cloudflare520(first, 1));
      await payout.one(ev.unknown(first));
      await payout.one(ev.statusChecked(first));
      await payout.one(ev.failed(first, true));
      await payout.one(ev.addressResolved(second));
      await payout.one(ev.attempted(second, 2));
      await payout.one(ev.lnbits520(second, 2));
      await payout.one(ev.pending(second));
      // One event that does notify: deliveries of one order go out in order, so
      // any wrongful earlier delivery would have reached the bot before this one.
      const last = await payout.one(ev.settled(second));

      await bot.next(payout.orderId, 'payout.settled');
      await outcomeOf(t.store, payout.orderId, last.id);
      expect(bot.requests((w) => w.body.orderId === payout.orderId).map((w) => w.body.id)).toEqual([last.id]);
      expect((await t.webhooks.deliveriesOf(payout.orderId)).map((row) => row.deliveryId)).toEqual([last.id]);
    });

    it('receiver answers 500 twice then 200 -> retried with backoff, delivered once, audited with 3 attempts', async () => {
      const payout = new PayoutStreamWriter(t.store);
      bot.policy = (webhook, nth) => (webhook.body.orderId === payout.orderId && nth <= 2 ? 500 : 200);
      await payout.one(payout.pixConfirmed());
      const cancelled = await payout.one(ev.cancelled());

      const audit = await outcomeOf(t.store, payout.orderId, cancelled.id);
      const attempts = bot.for(cancelled.id);
      expect(attempts.map((w) => w.answer)).toEqual([500, 500, 200]);
      // Every attempt sends the same bytes, each signed afresh.
      expect(new Set(attempts.map((w) => w.raw)).size).toBe(1);
      expect(attempts.every((w) => w.signatureValid)).toBe(true);
      expect(audit).toMatchObject({ type: 'WebhookDelivered', data: { deliveryId: cancelled.id, attempts: 3, httpStatus: 200 } });
      const [row] = await t.webhooks.deliveriesOf(payout.orderId);
      expect(row).toMatchObject({ state: 'delivered', attempts: 3, lastHttpStatus: 200, audited: true });
      expect(Date.parse(row.completedAt!)).toBeGreaterThanOrEqual(Date.parse(row.firstAttemptAt!));
    });

    it('receiver never answers -> the attempt times out and is retried', async () => {
      const payout = new PayoutStreamWriter(t.store);
      bot.policy = (webhook, nth) => (webhook.body.orderId === payout.orderId && nth === 1 ? 'hang' : 200);
      await payout.one(payout.pixConfirmed());
      const cancelled = await payout.one(ev.cancelled());

      const audit = await outcomeOf(t.store, payout.orderId, cancelled.id);
      expect(bot.for(cancelled.id).map((w) => w.answer)).toEqual(['hang', 200]);
      expect(audit.data).toMatchObject({ attempts: 2, httpStatus: 200 });
      expect(
        await t.logger.waitFor(new RegExp(`${cancelled.id}.*attempt 1 failed \\(no complete answer within ${FAST.timeoutMs} ms\\)`)),
      ).toBeTruthy();
    });
  });

  it('receiver down -> retried on connection errors, then up -> delivered', async () => {
    // A port that nothing listens on (yet).
    const bot = await WebhookReceiver.start(SECRET);
    const port = bot.port;
    await bot.close();
    const t = await startWebhookTestApp({ env: { BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET }, webhook: FAST });
    try {
      const payout = new PayoutStreamWriter(t.store);
      await payout.one(payout.pixConfirmed());
      const cancelled = await payout.one(ev.cancelled());

      await t.logger.waitFor(new RegExp(`${cancelled.id}.*attempt 2 failed \\(.*ECONNREFUSED`));
      await bot.listen(port);
      const audit = await outcomeOf(t.store, payout.orderId, cancelled.id);
      expect(bot.for(cancelled.id).map((w) => w.answer)).toEqual([200]);
      expect((audit.data as { attempts: number }).attempts).toBeGreaterThanOrEqual(3);
    } finally {
      await t.close();
      await bot.close();
    }
  });

  it('gives up after the retry window, with an alert in the log and WebhookDeliveryAbandoned in the audit trail', async () => {
    const bot = await WebhookReceiver.start(SECRET);
    bot.policy = () => 503;
    const t = await startWebhookTestApp({
      env: { BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET },
      webhook: { ...FAST, giveUpAfterMs: 250 },
    });
    try {
      const payout = new PayoutStreamWriter(t.store);
      await payout.one(payout.pixConfirmed());
      const cancelled = await payout.one(ev.cancelled());

      const audit = await outcomeOf(t.store, payout.orderId, cancelled.id);
      expect(audit).toMatchObject({
        type: 'WebhookDeliveryAbandoned',
        data: { deliveryId: cancelled.id, type: 'payout.cancelled', lastError: 'HTTP 503', abandonedAt: expect.any(String) },
        metadata: { correlationId: cancelled.id, causationId: cancelled.id, actor: 'system', schemaVersion: 1 },
      });
      const attempts = (audit.data as { attempts: number }).attempts;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(bot.for(cancelled.id)).toHaveLength(attempts);
      const alert = t.logger.lines.find((line) => line.level === 'error' && line.text.includes(cancelled.id));
      expect(alert?.text).toMatch(/abandoned after \d+ attempts/);
      expect((await t.webhooks.deliveriesOf(payout.orderId))[0]).toMatchObject({
        state: 'abandoned',
        lastError: 'HTTP 503',
        audited: true,
      });
    } finally {
      await t.close();
      await bot.close();
    }
  });

  it('survives a restart: a pending delivery is still delivered, a delivered one is not sent again', async () => {
    const data = makeTempDir('pll-webhook-restart');
    const bot = await WebhookReceiver.start(SECRET);
    const env = { BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET };
    try {
      // First life: one delivery goes through, the next is in flight when the service stops.
      const first = await startWebhookTestApp({ env, dataDir: data.path, webhook: { ...FAST, shutdownGraceMs: 50 } });
      const payout = new PayoutStreamWriter(first.store);
      const invoice = newInvoice();
      await payout.append(payout.pixConfirmed(), ev.addressSubmitted(), ev.addressResolved(invoice), ev.attempted(invoice, 1));
      await payout.one(ev.failed(invoice, true));
      const queued = await payout.one(ev.retryQueued());
      await outcomeOf(first.store, payout.orderId, queued.id);

      bot.policy = () => 'hang';
      const escalated = await payout.one(ev.escalated());
      await bot.next(payout.orderId, 'payout.needs_attention');
      await first.close();

      // Second life on the same files.
      bot.policy = () => 200;
      const second = await startWebhookTestApp({ env, dataDir: data.path, webhook: FAST });
      try {
        const resumed = new PayoutStreamWriter(second.store, payout.orderId);
        resumed.revision = payout.revision;
        const next = newInvoice();
        await resumed.append(ev.escalationCleared(), ev.addressResolved(next));
        await resumed.one(ev.attempted(next, 2));
        const settled = await resumed.one(ev.settled(next));

        await outcomeOf(second.store, payout.orderId, settled.id);
        // Deliveries of one order go out in order: the re-sent escalation comes
        // before the settlement, and a wrongly re-sent retry_queued would too.
        expect(bot.requests((w) => w.body.orderId === payout.orderId).map((w) => [w.body.type, w.answer])).toEqual([
          ['payout.retry_queued', 200],
          ['payout.needs_attention', 'hang'],
          ['payout.needs_attention', 200],
          ['payout.settled', 200],
        ]);
        const audit = await readStreamEvents(second.store, auditStream(payout.orderId));
        expect(audit.map((event) => [event.type, (event.data as { deliveryId: string }).deliveryId])).toEqual([
          ['WebhookDelivered', queued.id],
          ['WebhookDelivered', escalated.id],
          ['WebhookDelivered', settled.id],
        ]);
        expect((await second.webhooks.deliveriesOf(payout.orderId)).map((row) => [row.type, row.state, row.attempts])).toEqual([
          ['payout.retry_queued', 'delivered', 1],
          ['payout.needs_attention', 'delivered', 1],
          ['payout.settled', 'delivered', 1],
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await bot.close();
      data.remove();
    }
  });

  it('turned on later: only what happens from then on is announced', async () => {
    const data = makeTempDir('pll-webhook-late');
    const bot = await WebhookReceiver.start(SECRET);
    try {
      const off = await startWebhookTestApp({ dataDir: data.path, webhook: FAST });
      const payout = new PayoutStreamWriter(off.store);
      await payout.append(payout.pixConfirmed(), ev.retryQueued());
      await off.close();

      const on = await startWebhookTestApp({
        env: { BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET },
        dataDir: data.path,
        webhook: FAST,
      });
      try {
        const resumed = new PayoutStreamWriter(on.store, payout.orderId);
        resumed.revision = payout.revision;
        const cancelled = await resumed.one(ev.cancelled());
        await outcomeOf(on.store, payout.orderId, cancelled.id);
        // Same order: the old retry_queued would have gone out first.
        expect(bot.requests((w) => w.body.orderId === payout.orderId).map((w) => w.body.type)).toEqual(['payout.cancelled']);
      } finally {
        await on.close();
      }
    } finally {
      await bot.close();
      data.remove();
    }
  });

  it('does nothing when BOT_WEBHOOK_URL is not set, and says so once', async () => {
    const t = await startWebhookTestApp();
    try {
      expect(t.webhooks.enabled).toBe(false);
      const payout = new PayoutStreamWriter(t.store);
      await payout.append(payout.pixConfirmed(), ev.cancelled());
      expect(await t.webhooks.deliveriesOf(payout.orderId)).toEqual([]);
      expect(t.logger.lines.filter((line) => /notifications are off/.test(line.text))).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
