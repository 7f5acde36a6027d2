import { SchedulerRegistry } from '@nestjs/schedule';
import { RECONCILIATION_STREAM } from '../../src/domain/streams/stream-names';
import { RECONCILIATION_JOB } from '../../src/infrastructure/scheduling/reconciliation.scheduler';
import { LedgerRun, ledgerEnv, runLedger } from '../support/ledger-cli';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';

/**
 * Design rule 9 through the real app, the sandbox wallet over HTTP and the
 * real `ledger reconcile` CLI: money the wallet moved behind the ledger's
 * back settles the order, a second paid hash needs attention, a payment no
 * order owns is reported, and a clean ledger has nothing to say. The
 * scheduled job runs every second but is held stopped except where the test
 * lets it find a discrepancy by itself.
 */
// Each test spawns the CLI (a Node process loading TypeScript) several times: slow on a loaded machine.
jest.setTimeout(90_000);

describe('Reconciliation against the wallet (docs/architecture.md, rule 9)', () => {
  let h: PayoutHarness;
  let job: { start(): void; stop(): void };

  beforeAll(async () => {
    h = await startPayoutHarness({ RECONCILE_CRON: '* * * * * *', PAYMENT_RETRY_ATTEMPTS: '2' });
    job = h.app.app.get(SchedulerRegistry).getCronJob(RECONCILIATION_JOB);
    job.stop();
  });
  afterAll(async () => {
    job.stop();
    await h?.close();
  });

  const cli = (...args: string[]): Promise<LedgerRun> =>
    runLedger(['reconcile', ...args], ledgerEnv(h.app.dataDir, { url: h.sandbox.lnbitsUrl, readKey: h.sandbox.lnbits.invoiceKey }));
  const kinds = (report: { discrepancies: { kind: string; orderId: string | null; paymentHash: string }[] }, orderId?: string) =>
    report.discrepancies.filter((d) => orderId === undefined || d.orderId === orderId).map((d) => d.kind);

  it('reports no discrepancy on a clean ledger, over HTTP and through the CLI (exit 0)', async () => {
    expect((await h.admin('GET', '/v1/admin/reconciliation')).status).toBe(404);
    await h.confirm('rec-clean', 1000, h.address('alice'));
    await h.waitForStatus('rec-clean', ['SETTLED']);
    const run = await h.admin('POST', '/v1/admin/reconciliation');
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ walletPayments: 1, ledgerSettled: 1, matched: 1, discrepancies: [] });
    expect((await h.admin('GET', '/v1/admin/reconciliation')).body).toEqual(run.body);
    const out = await cli();
    expect(out.stdout).toContain('no discrepancy');
    expect(out.code).toBe(0);
  });

  it('settles, on its scheduled run, an order the wallet paid while every status check failed', async () => {
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
    h.sandbox.lnbits.injectFault({ endpoint: 'status', fault: { kind: 'cloudflare' }, times: 1000 });
    await h.confirm('rec-behind', 2000, h.address('alice'));
    const queued = await h.waitForStatus('rec-behind', ['RETRY_QUEUED']);
    const paidHash = Object.keys(queued.hashes)[0];
    expect(h.sandbox.lnbits.paidTotalMsatFor(paidHash)).toBe(2_000_000);

    const before = await cli();
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(new RegExp(`DISCREPANCY paid_not_settled order rec-behind payment ${paidHash}`));
    expect((await h.bot('GET', '/v1/payouts/rec-behind')).body.status).toBe('RETRY_QUEUED');

    job.start();
    const settled = await h.waitForStatus('rec-behind', ['SETTLED'], 15_000);
    job.stop();
    h.sandbox.lnbits.clearFaults();
    expect(settled.settlement).toMatchObject({ paymentHash: paidHash });
    const latest = (await h.admin('GET', '/v1/admin/reconciliation')).body;
    expect(latest.discrepancies).toContainEqual(
      expect.objectContaining({ kind: 'paid_not_settled', orderId: 'rec-behind', paymentHash: paidHash }),
    );
    expect(h.sandbox.lnbits.paidTotalMsatFor(paidHash)).toBe(2_000_000);
    expect((await cli()).code).toBe(0);
  });

  it('escalates a second paid hash of a settled order as paid_twice (NEEDS_ATTENTION)', async () => {
    // The first POST fails for good; the wallet later turns out to have paid it (a lying wallet) after the second settled.
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
    await h.confirm('rec-twice', 3000, h.address('alice'));
    const settled = await h.waitForStatus('rec-twice', ['SETTLED']);
    const failedHash = Object.values(settled.hashes).find((record) => record.outcome === 'failed')!.paymentHash;
    expect(h.sandbox.lnbits.succeedFailed(failedHash)).toBe(true);

    const cliRun = await cli();
    expect(cliRun.code).toBe(1);
    expect(cliRun.stdout).toContain(`DISCREPANCY paid_twice order rec-twice payment ${failedHash}`);
    const run = (await h.admin('POST', '/v1/admin/reconciliation')).body;
    expect(kinds(run, 'rec-twice')).toEqual(['paid_twice']);
    const attention = await h.waitForStatus('rec-twice', ['NEEDS_ATTENTION']);
    expect(attention.doublePayment?.paymentHashes).toEqual([settled.settlement!.paymentHash, failedHash]);
    expect((await h.bot('GET', '/v1/payouts/rec-twice')).body.status).toBe('NEEDS_ATTENTION');
    const again = (await h.admin('POST', '/v1/admin/reconciliation')).body;
    expect(again.discrepancies).toContainEqual(
      expect.objectContaining({
        kind: 'paid_twice',
        orderId: 'rec-twice',
        detail: expect.stringContaining('(recorded: DoublePaymentDetected)'),
      }),
    );
    expect((await h.events('rec-twice')).filter((event) => event.type === 'DoublePaymentDetected')).toHaveLength(1);
    await h.admin('POST', '/v1/admin/payouts/rec-twice/acknowledge', { reason: 'recovered from the payee' });
  });

  it('reports a wallet payment no order owns, once however many instances record it at the same time', async () => {
    const invoice = await mintInvoice(h.sandbox.lnurlBaseUrl, 'bob', 4_000_000);
    const paid = await fetch(`${h.sandbox.lnbitsUrl}/api/v1/payments`, {
      method: 'POST',
      headers: { 'X-Api-Key': h.sandbox.adminKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ out: true, bolt11: invoice.pr }),
    });
    const { payment_hash: strayHash } = (await paid.json()) as { payment_hash: string };

    const cliRun = await cli();
    expect(cliRun.code).toBe(1);
    expect(cliRun.stdout).toContain(`DISCREPANCY unknown_wallet_payment order - payment ${strayHash}`);
    const [first, second] = await Promise.all([h.admin('POST', '/v1/admin/reconciliation'), h.admin('POST', '/v1/admin/reconciliation')]);
    for (const run of [first, second])
      expect(run.body.discrepancies).toContainEqual(
        expect.objectContaining({ kind: 'unknown_wallet_payment', orderId: null, paymentHash: strayHash }),
      );
    const recorded = await cli('--record');
    expect(recorded.code).toBe(1);
    const findings = [];
    for await (const event of h.store.readStream(RECONCILIATION_STREAM)) {
      if (event.type === 'ReconciliationDiscrepancyFound' && event.data.paymentHash === strayHash) findings.push(event);
    }
    expect(findings).toHaveLength(1);
  });

  it('sums the payouts in GET /v1/admin/stats from the projections (admins only)', async () => {
    await h.projectionsCaughtUp();
    expect((await h.bot('GET', '/v1/admin/stats')).status).toBe(403);
    const { status, body } = await h.admin('GET', '/v1/admin/stats');
    expect(status).toBe(200);
    const fees = await Promise.all(
      ['rec-clean', 'rec-behind', 'rec-twice'].map(async (id) => (await h.bot('GET', `/v1/payouts/${id}`)).body.feeMsat as number),
    );
    const settled = { count: 3, sats: 6000, feeMsat: fees.reduce((a, b) => a + b, 0) };
    const queue = (await h.admin('GET', '/v1/admin/fallback-queue')).body.items as { queuedAt: string }[];
    expect(body).toEqual({
      byStatus: { SETTLED: 3 },
      settled: { last24h: settled, total: settled },
      fallbackQueue: { depth: queue.length, oldestQueuedAt: queue.length === 0 ? null : queue.map((item) => item.queuedAt).sort()[0] },
      voltz520Last24h: { lnbits: 1, cloudflare: 1 },
      projectionLagMs: 0,
      // Nothing open: the open payouts need nothing of the wallet (the balance is the last probe's).
      wallet: {
        balanceMsat: expect.any(Number),
        balanceAt: expect.any(String),
        neededMsat: 0,
        lowBalanceSats: 100_000,
        low: false,
        shortSince: null,
      },
    });
  });
});

/** A BOLT11 from the sandbox Lightning Address server, straight from its LNURL endpoints (no order involved). */
async function mintInvoice(lnurlBaseUrl: string, user: string, msat: number): Promise<{ pr: string }> {
  const first = (await (await fetch(`${lnurlBaseUrl}/.well-known/lnurlp/${user}`)).json()) as { callback: string };
  const callback = new URL(first.callback);
  callback.searchParams.set('amount', String(msat));
  return (await (await fetch(callback)).json()) as { pr: string };
}
