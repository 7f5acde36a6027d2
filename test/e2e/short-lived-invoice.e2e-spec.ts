import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { TestClock } from '../support/test-clock';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Wallets commonly issue invoices valid for 10 minutes or less: the bot's
 * BOLT11 needs only MIN_INVOICE_VALIDITY_S (60 s) left. One that expires
 * before it could be paid (here: the wallet is empty meanwhile) ends FAILED
 * with lastError saying so, and the bot hears `payout.failed` so it can ask
 * the customer for a new invoice. A sent invoice is abandoned only 60 s past
 * its expiry (docs/architecture.md, rule 8). A frozen TestClock pins the times.
 */
describe('A short-lived BOLT11 from the bot', () => {
  const SECRET = 'whsec_shortlived_0123456789';
  const clock = new TestClock();
  let h: PayoutHarness;
  let bot: WebhookReceiver;

  beforeAll(async () => {
    clock.set(new Date());
    bot = await WebhookReceiver.start(SECRET, { now: () => clock.now().getTime() });
    h = await startPayoutHarness({ PAYMENT_RETRY_ATTEMPTS: '2', BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET }, undefined, {
      clock,
    });
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    await bot.close();
  });

  it('with 120 s left is accepted and paid', async () => {
    const invoice = mintInvoice({
      network: 'regtest',
      amountMsat: 5_000_000,
      timestamp: Math.floor(clock.now().getTime() / 1000),
      expirySeconds: 120,
    });
    expect((await h.confirm('short_paid', 5_000, invoice.bolt11)).status).toBe(201);
    expect((await h.waitForStatus('short_paid', ['SETTLED', 'FAILED', 'NEEDS_ATTENTION'])).status).toBe('SETTLED');
  });

  it('that expires before it could be paid ends FAILED with lastError, and the bot hears payout.failed', async () => {
    const orderId = 'short_expired';
    const invoice = mintInvoice({
      network: 'regtest',
      amountMsat: 6_000_000,
      timestamp: Math.floor(clock.now().getTime() / 1000),
      expirySeconds: 120,
    });
    const balance = h.sandbox.lnbits.balanceMsat;
    h.sandbox.lnbits.setBalance(0);
    expect((await h.confirm(orderId, 6_000, invoice.bolt11)).status).toBe(201);
    expect((await h.waitForStatus(orderId, ['RETRY_QUEUED'])).status).toBe('RETRY_QUEUED');

    // Expired, but within the 60 s slack: nothing happens yet.
    clock.advance(121_000);
    await h.projectionsCaughtUp();
    await h.admin('POST', '/v1/admin/fallback/sweep');
    expect((await h.bot('GET', `/v1/payouts/${orderId}`)).body.status).not.toBe('FAILED');

    clock.advance(60_000);
    await h.projectionsCaughtUp();
    await h.admin('POST', '/v1/admin/fallback/sweep');
    const failed = await h.waitForStatus(orderId, ['FAILED']);
    expect(failed.lastError).toMatch(/expired/);
    const delivery = await bot.next(orderId, 'payout.failed');
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.body.payout).toMatchObject({ orderId, status: 'FAILED', lastError: expect.stringMatching(/expired/) });
    h.sandbox.lnbits.setBalance(balance);
    expect(await h.paidMsat(orderId)).toBe(0);
  });
});
