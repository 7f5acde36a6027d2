import { Logger } from '@nestjs/common';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { ledgerEnv, runLedger } from '../support/ledger-cli';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';

/**
 * docs/architecture.md, rule 8 through the real app and the sandbox wallet over HTTP: a
 * wallet that misreports is caught. It pays a hash it said had failed, or pays
 * one while its status endpoint answers 404 until the invoice has expired; the
 * order moves on to a new invoice, which is paid too. Before rule 8 the order
 * showed SETTLED and nothing noticed; now the other hash is looked at again
 * after settlement, the double payment is recorded, the order needs attention
 * with both hashes, an ALERT is logged, a retry cannot clear it and only an
 * admin's acknowledgement (an event) does. And an address server stuck on one
 * dead invoice ends in NEEDS_ATTENTION instead of a silent loop.
 */
const GRACE_MS = 300;
const ENV = {
  VOLTZ_TIMEOUT_MS: '300',
  PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
  SENT_INVOICE_EXPIRY_SLACK_MS: '200',
  PAYMENT_RETRY_ATTEMPTS: '2',
  PAYMENT_RETRY_BASE_MS: '100',
  ESCALATE_AFTER_ATTEMPTS: '10',
};
const DONE = ['SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION'] as const;

describe('A wallet that pays twice behind its own answers is caught (rule 8)', () => {
  let sandbox: Sandbox;
  let h: PayoutHarness;
  let alerts: string[];

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest', shortlivedSeconds: 2 });
    h = await startPayoutHarness(ENV, undefined, { sandbox });
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    await sandbox.close();
  });
  beforeEach(() => {
    alerts = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void alerts.push(JSON.stringify(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  /** Sweeps (admin API) until the predicate holds on the payout, bounded. */
  async function sweepUntil(orderId: string, predicate: (payout: any) => boolean, timeoutMs = 15_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await h.projectionsCaughtUp();
      await h.admin('POST', '/v1/admin/fallback/sweep');
      const payout = (await h.bot('GET', `/v1/payouts/${orderId}`)).body;
      if (predicate(payout)) return payout;
      if (Date.now() > deadline) throw new Error(`${orderId} never got there: ${JSON.stringify(payout)}`);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 3));
    }
  }

  /**
   * Holds the wallet's POSTs one by one until one carries a hash `accept` wants: `onArrival` runs while that one is
   * held, before the wallet answers (re-sends of a hash already seen go through untouched).
   */
  function onPost(accept: (paymentHash: string) => boolean, onArrival: (paymentHash: string) => void): void {
    const hold = sandbox.lnbits.holdNextPayment();
    void hold.arrived.then(({ paymentHash }) => {
      if (accept(paymentHash)) onArrival(paymentHash);
      else onPost(accept, onArrival);
      hold.release({ process: true });
    });
  }
  const onNextPost = (onArrival: (paymentHash: string) => void): void => onPost(() => true, onArrival);

  async function expectCaughtThenAcknowledged(orderId: string, first: string, second: string): Promise<void> {
    const caught = await sweepUntil(orderId, (p) => p.status === 'NEEDS_ATTENTION');
    expect(caught.doublePayment).toMatchObject({ paymentHashes: [second, first], acknowledgedAt: null });
    expect(caught.lastError).toMatch(/^double_payment: /);
    expect(sandbox.lnbits.paidTotalMsatFor(first)).toBeGreaterThan(0);
    expect(sandbox.lnbits.paidTotalMsatFor(second)).toBeGreaterThan(0);
    expect(
      alerts.some(
        (line) =>
          line.includes('ALERT double_payment') &&
          line.includes('"alert":"double_payment"') &&
          line.includes(first) &&
          line.includes(second),
      ),
    ).toBe(true);

    // Both payments left the wallet, so the accounting export lists both.
    const exported = await runLedger(
      ['export', '--from', '2000-01-01', '--to', '2100-01-01', '--format', 'jsonl'],
      ledgerEnv(h.app.dataDir),
    );
    expect(exported.code).toBe(0);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { orderId: string; paymentHash: string; outflow: string })
      .filter((row) => row.orderId === orderId);
    expect(rows.map((row) => [row.outflow, row.paymentHash]).sort()).toEqual(
      [
        ['double_payment', first],
        ['payout', second],
      ].sort(),
    );

    // A retry never clears it, and records nothing.
    const before = (await h.events(orderId)).length;
    const retried = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
    expect(retried).toMatchObject({ status: 409, body: { code: 'double_payment' } });
    expect(await h.events(orderId)).toHaveLength(before);

    const acknowledged = await h.admin('POST', `/v1/admin/payouts/${orderId}/acknowledge`, {
      reason: 'payee asked to refund the second payment',
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({
      status: 'SETTLED',
      doublePayment: { paymentHashes: [second, first], acknowledgeReason: 'payee asked to refund the second payment' },
    });
    const recorded = (await h.events(orderId)).at(-1)!;
    expect(recorded).toMatchObject({ type: 'DoublePaymentAcknowledged', metadata: { actor: 'admin' } });
    expect(await h.admin('POST', `/v1/admin/payouts/${orderId}/acknowledge`, { reason: 'again' })).toMatchObject({
      status: 409,
      body: { code: 'no_double_payment' },
    });
  }

  it('a payment the wallet called failed is paid after the order moved on: DoublePaymentDetected, then acknowledged', async () => {
    const orderId = 'double_failed_then_paid';
    let first = '';
    let second = '';
    onNextPost((hash) => {
      first = hash;
      sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: hash, fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
    });
    // The next invoice reaches the wallet only after the order looked at the failed hash again: then the lie ends.
    onPost(
      (hash) => hash !== first,
      (hash) => {
        second = hash;
        expect(sandbox.lnbits.succeedFailed(first)).toBe(true);
      },
    );
    expect((await h.confirm(orderId, 21_000, h.address('liar1'))).status).toBe(201);
    expect((await h.waitForStatus(orderId, [...DONE])).status).toBe('SETTLED');
    expect((await h.events(orderId)).map((e) => e.type)).toContain('PaymentRechecked');
    await expectCaughtThenAcknowledged(orderId, first, second);
  });

  it('a paid hash answering 404 past the grace while its invoice expires: the next invoice is paid too, and it is caught', async () => {
    const orderId = 'double_404_lie';
    let first = '';
    let second = '';
    onNextPost((hash) => {
      first = hash;
      sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: hash, fault: { kind: 'cloudflare', paid: true } });
      sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash: hash, fault: { kind: 'not_found' }, times: 1_000_000 });
    });
    onPost(
      (hash) => hash !== first,
      (hash) => {
        second = hash;
        sandbox.lnbits.clearFaults(first); // the wallet's records catch up
      },
    );
    expect((await h.confirm(orderId, 13_000, h.address('shortlived+liar2'))).status).toBe(201);
    await sweepUntil(orderId, (p) => DONE.includes(p.status));
    const types = (await h.events(orderId)).map((e) => e.type);
    // Two 404s far enough apart, the invoice abandoned only after its slack, the dead hash looked at again.
    expect(types).toEqual(expect.arrayContaining(['PaymentNotFound', 'InvoiceExpired', 'PaymentRechecked']));
    await expectCaughtThenAcknowledged(orderId, first, second);
  });

  it('an address server that keeps handing back an invoice that already failed: recorded and counted, then NEEDS_ATTENTION', async () => {
    const orderId = 'reissued_dead_invoice';
    onNextPost((hash) =>
      sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash: hash, fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } }),
    );
    expect((await h.confirm(orderId, 8_000, h.address('reissue+dead1'))).status).toBe(201);
    const payout = await sweepUntil(orderId, (p) => p.status === 'NEEDS_ATTENTION');
    const events = await h.events(orderId);
    const reissued = events.filter((e) => e.type === 'DestinationRejected');
    expect(reissued.length).toBeGreaterThanOrEqual(2);
    expect(reissued[0].data).toMatchObject({ permanent: false, reason: expect.stringContaining('again') });
    expect(events.filter((e) => e.type === 'PaymentAttempted')).toHaveLength(1);
    expect(payout.lastError).toEqual(expect.any(String));
    expect(alerts.some((line) => line.includes('ALERT') && line.includes(orderId))).toBe(true);
    expect(await h.paidMsat(orderId)).toBe(0);
  });
});
