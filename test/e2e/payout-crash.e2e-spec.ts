import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { makeTempDir } from '../support/temp-dir';
import { AuditEvent, ServiceProcess, stopAllServiceProcesses } from '../support/service-process';
import { dumpOnFailure, endToEndIdFor, hashesOf, pollUntil, settleTurns, truthOf, within } from '../support/service-process-fixtures';

/**
 * docs/architecture.md, rule 6 (crash-safe) with the real service in a child process:
 * the process dies (SIGKILL) between its durable claim and the wallet's
 * answer, while the sandbox wallet holds the POST. The wallet then does, or
 * does not, make the payment. A new process on the same DATA_DIR must settle
 * the order through the sweep without ever paying twice.
 *
 * Timings: VOLTZ_TIMEOUT_MS 500 ms, so a claim with no answer is left alone
 * for 500 ms + the processor's 5 s in-flight slack; the 404 grace (9 s) is
 * longer than that, so the first status checks after the restart fall inside
 * it and must not be taken as "never happened".
 */
const VOLTZ_TIMEOUT_MS = 500;
const IN_FLIGHT_SLACK_MS = 5_000; // PayoutProcessor's IN_FLIGHT_SLACK_MS
const GRACE_MS = 9_000;
const ENV = {
  VOLTZ_TIMEOUT_MS: String(VOLTZ_TIMEOUT_MS),
  PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
  PAYMENT_RETRY_BASE_MS: '50',
  // The sweep is driven by hand (POST /v1/admin/fallback/sweep): the cron is effectively off.
  FALLBACK_CRON: '0 0 1 1 *',
};

describe('Payout crash mid-payment (service child process killed with SIGKILL)', () => {
  let sandbox: Sandbox;
  const temps: { remove(): void }[] = [];
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
  });

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    for (const temp of temps) temp.remove();
  });

  async function start(dataDir: string, name: string): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({ dataDir, sandbox, env: ENV, name });
    services.push(service);
    return service;
  }

  /** Sweeps by hand until the order is SETTLED (or another end state), bounded. */
  async function sweepUntilSettled(service: ServiceProcess, orderId: string, timeoutMs: number): Promise<any> {
    return pollUntil(
      `${orderId} to settle`,
      async () => {
        await service.sweep();
        const payout = (await service.getPayout(orderId)).body;
        return ['SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION'].includes(payout.status) ? payout : undefined;
      },
      timeoutMs,
      200,
    );
  }

  /** The claim is in the stream, durable, before the wallet ever saw the POST; no answer is recorded yet. */
  function expectClaimWithoutOutcome(events: AuditEvent[], paymentHash: string): AuditEvent {
    const last = events[events.length - 1];
    expect(last.type).toBe('PaymentAttempted');
    expect(last.data).toMatchObject({ attempt: 1, paymentHash });
    return last;
  }

  /**
   * Confirms an order, holds its pay POST at the wallet, checks the claim is durable, then SIGKILLs the service:
   * the crash both scenarios start from. The held POST is the caller's to release (or drop).
   */
  async function crashAfterClaim(tag: string, orderId: string, user: string, amountSats: number) {
    const temp = makeTempDir(`pll-crash-${tag}`);
    temps.push(temp);
    const first = await start(temp.path, `crash-${tag}#1`);
    const hold = sandbox.lnbits.holdNextPayment();
    const created = await first.confirm({
      orderId,
      endToEndId: endToEndIdFor(orderId),
      amountSats,
      destination: `${user}@${sandbox.addressDomain}`,
    });
    expect(created.status).toBe(201);
    const { paymentHash } = await within(hold.arrived, 10_000, 'the pay POST to reach the wallet');
    const claim = expectClaimWithoutOutcome(await first.auditEvents(orderId), paymentHash);
    const killed = await first.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    return { temp, hold, paymentHash, claim };
  }

  it(
    'the wallet paid after the crash: the restarted service settles by status check and never pays again',
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          const orderId = 'crash_paid';
          const user = 'crashpaid';
          const amountSats = 21_000;
          const { temp, hold, paymentHash, claim } = await crashAfterClaim('paid', orderId, user, amountSats);

          // The wallet goes on with the request the dead process sent: the money moves, the answer is lost.
          hold.release({ process: true });
          await settleTurns();
          expect(sandbox.lnbits.paidTotalMsatFor(paymentHash)).toBe(amountSats * 1000);
          // And for a while its status endpoint lags behind (404): the BTCPay bug (#6365) this must not repeat.
          sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash, fault: { kind: 'not_found' }, times: 1 });

          const second = await start(temp.path, 'crash-paid#2');
          const restartedAt = Date.now();
          const payout = await sweepUntilSettled(second, orderId, 20_000);
          expect(payout).toMatchObject({ status: 'SETTLED', paymentHash, attempts: 1 });
          const minted = sandbox.lnurl.minted().filter((m) => m.username === user);
          expect(payout.preimage).toBe(minted[0].preimage);

          // Ground truth: one invoice, one POST, one payment of exactly amountSats.
          const truth = truthOf(sandbox, hashesOf(sandbox, { user }));
          expect(minted).toHaveLength(1);
          expect(truth.posts).toBe(1);
          expect(truth.succeeded).toHaveLength(1);
          expect(truth.paidMsat).toBe(amountSats * 1000);

          // Audit trail: the claim before the crash, then status checks after the restart (the lagging 404 changed
          // nothing: a 404 counts only when seen twice, the later past the grace), then the settlement — and no second claim.
          const events = await second.auditEvents(orderId);
          const types = events.map((e) => e.type);
          expect(types).toEqual([
            'PixConfirmed',
            'DestinationSubmitted',
            'AddressResolved',
            'PaymentAttempted',
            'PaymentStatusChecked',
            'PaymentSettled',
          ]);
          const [checked, settled] = events.slice(-2);
          const age = Date.parse(checked.data.checkedAt) - Date.parse(claim.data.attemptedAt);
          expect(checked.data).toMatchObject({ paymentHash, result: age < GRACE_MS ? 'not_found_within_grace' : 'not_found_unconfirmed' });
          expect(Date.parse(checked.createdAt)).toBeGreaterThanOrEqual(restartedAt - 1000);
          // Left alone while the dead worker's POST could still have been under way.
          expect(Date.parse(checked.data.checkedAt) - Date.parse(claim.data.attemptedAt)).toBeGreaterThanOrEqual(
            VOLTZ_TIMEOUT_MS + IN_FLIGHT_SLACK_MS,
          );
          expect(settled.data).toMatchObject({ paymentHash, preimage: minted[0].preimage });
        },
      ),
    45_000,
  );

  it(
    'the wallet never made the payment: 404 is trusted only after the grace period, then the SAME invoice is re-sent and settles',
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          const orderId = 'crash_lost';
          const user = 'crashlost';
          const amountSats = 34_000;
          const { temp, hold, paymentHash, claim } = await crashAfterClaim('lost', orderId, user, amountSats);
          // The request dies with the process: the wallet never records it.
          hold.release({ process: false });
          await settleTurns();
          expect(sandbox.lnbits.payments().filter((p) => p.paymentHash === paymentHash)).toEqual([]);

          const second = await start(temp.path, 'crash-lost#2');
          const payout = await sweepUntilSettled(second, orderId, 30_000);
          expect(payout).toMatchObject({ status: 'SETTLED', paymentHash, attempts: 2 });

          // Ground truth: still ONE invoice (no new one minted while the first could settle), two POSTs of it, one payment.
          const minted = sandbox.lnurl.minted().filter((m) => m.username === user);
          expect(minted.map((m) => m.paymentHash)).toEqual([paymentHash]);
          const truth = truthOf(sandbox, hashesOf(sandbox, { user }));
          expect(sandbox.lnbits.postCount(paymentHash)).toBe(2);
          expect(truth.succeeded).toHaveLength(1);
          expect(truth.paidMsat).toBe(amountSats * 1000);

          const events = await second.auditEvents(orderId);
          const attemptedAt = Date.parse(claim.data.attemptedAt);
          const afterClaim = events.slice(events.indexOf(events.find((e) => e.id === claim.id)!) + 1);
          // Status checks inside the grace period conclude nothing, nor does a first 404 past it...
          const checks = afterClaim.filter((e) => e.type === 'PaymentStatusChecked');
          expect(checks.length).toBeGreaterThan(0);
          for (const check of checks) {
            const age = Date.parse(check.data.checkedAt) - attemptedAt;
            expect(check.data).toMatchObject({ paymentHash, result: age < GRACE_MS ? 'not_found_within_grace' : 'not_found_unconfirmed' });
          }
          // ...only a second 404 past the grace period kills the hash, and then the same invoice is claimed and paid.
          const tail = afterClaim.filter((e) => e.type !== 'PaymentStatusChecked' && e.type !== 'RetryQueued');
          expect(tail.map((e) => e.type)).toEqual(['PaymentNotFound', 'PaymentAttempted', 'PaymentSettled']);
          const [notFound, reclaim, settled] = tail;
          expect(notFound.data.paymentHash).toBe(paymentHash);
          expect(Date.parse(notFound.data.checkedAt) - attemptedAt).toBeGreaterThanOrEqual(GRACE_MS);
          expect(reclaim.data).toMatchObject({ attempt: 2, paymentHash, bolt11: claim.data.bolt11 });
          expect(settled.data).toMatchObject({ paymentHash, preimage: minted[0].preimage });
          expect(events.filter((e) => e.type === 'AddressResolved')).toHaveLength(1);
        },
      ),
    45_000,
  );

  it('leaves no child process behind', async () => {
    await stopAllServiceProcesses();
    for (const service of services) expect(service.running).toBe(false);
  });
});
