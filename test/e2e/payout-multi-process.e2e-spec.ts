import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { makeTempDir } from '../support/temp-dir';
import { ServiceProcess, SweepSummary, sleep, stopAllServiceProcesses } from '../support/service-process';
import {
  dumpOnFailure,
  endToEndIdFor,
  faultFirstPostOfEachHash,
  hashesOf,
  mixedOrders,
  pollUntil,
  truthOf,
} from '../support/service-process-fixtures';

/**
 * docs/architecture.md, "Sagas and scheduling": no cross-process lock, safety comes from
 * the claim's expected revision. Two service processes share ONE SQLite data
 * dir (events + read models) and one sandbox wallet. Twenty orders are put in
 * the fallback view with an unknown outcome (a Cloudflare 520 before the
 * wallet paid anything), then both processes sweep at the same time, again
 * and again, until every order settles. The wallet's duplicate protection
 * would hide a double claim of the same hash, so the POST count per hash is
 * checked as well as the money: exactly one re-send per order.
 */
const ORDERS = 20;
const GRACE_MS = 2_500;
const ENV = {
  VOLTZ_TIMEOUT_MS: '1000',
  PAYMENT_RETRY_BASE_MS: '20',
  PAYMENT_NOT_FOUND_GRACE_MS: String(GRACE_MS),
  FALLBACK_CRON: '0 0 1 1 *',
  // Every order's first POST is faulted on purpose: with the breaker on, that would be a Voltz incident.
  VOLTZ_BREAKER_THRESHOLD: '1000',
  // The executor's retried conflicts are debug lines, counted below.
  LOG_LEVEL: 'debug',
};

describe('Two service processes on one SQLite data dir sweep the same fallback view', () => {
  let sandbox: Sandbox;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const temp = makeTempDir('pll-multi');

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
    [a, b] = await Promise.all([
      ServiceProcess.start({ dataDir: temp.path, sandbox, env: ENV, name: 'multi-A' }),
      ServiceProcess.start({ dataDir: temp.path, sandbox, env: ENV, name: 'multi-B' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    temp.remove();
  });

  it(
    'settles every order exactly once while both processes sweep concurrently',
    () =>
      dumpOnFailure(
        () => [a, b].filter(Boolean),
        async () => {
          const orders = mixedOrders(sandbox, 'multi', ORDERS, 137);
          const { faulted, lastFaultAt } = faultFirstPostOfEachHash(sandbox, ORDERS);

          const created = await Promise.all(
            orders.map((o) =>
              a.confirm({ orderId: o.orderId, endToEndId: endToEndIdFor(o.orderId), amountSats: o.amountSats, destination: o.destination }),
            ),
          );
          expect(created.map((r) => r.status)).toEqual(orders.map(() => 201));

          // In-process retries run out inside the grace period: every order waits in the fallback view, outcome unknown.
          await pollUntil(
            `all ${ORDERS} orders RETRY_QUEUED`,
            async () => {
              const items = await a.fallbackQueue();
              return items.length === ORDERS && items.every((item) => item.status === 'RETRY_QUEUED') ? items : undefined;
            },
            15_000,
          );
          expect(faulted.size).toBe(ORDERS);
          // Both processes read the same fallback view (same file).
          const seenByB = await b.fallbackQueue();
          expect(seenByB.map((i) => i.orderId).sort()).toEqual(orders.map((o) => o.orderId).sort());
          for (const o of orders) expect(truthOf(sandbox, hashesOf(sandbox, o)).payments).toEqual([]);

          // Past the grace period a 404 means "never happened": the sweeps may now re-send, and they race for it.
          await sleep(Math.max(0, lastFaultAt() + GRACE_MS + 200 - Date.now()));
          const rounds: [SweepSummary, SweepSummary][] = [];
          const deadline = Date.now() + 30_000;
          let statuses: string[] = [];
          while (Date.now() < deadline) {
            rounds.push(await Promise.all([a.sweep(), b.sweep()]));
            statuses = await Promise.all(orders.map(async (o) => (await a.getPayout(o.orderId)).body.status as string));
            if (statuses.every((s) => s === 'SETTLED')) break;
            await sleep(100);
          }
          const contention = { A: countContention(a.output()), B: countContention(b.output()) };
          console.log(
            `multi-process: ${rounds.length} sweep round(s) on both processes at once; summaries [A, B] per round: ` +
              `${JSON.stringify(rounds)}; contention seen in the logs: ${JSON.stringify(contention)}`,
          );
          expect(statuses).toEqual(orders.map(() => 'SETTLED'));
          // The first round really was concurrent: both processes picked (some of) the same due orders.
          expect(rounds[0][0].examined + rounds[0][1].examined).toBeGreaterThan(ORDERS);

          // More concurrent sweeps change nothing: the fallback view is empty and no POST reaches the wallet.
          const postsBefore = sandbox.lnbits.postCount();
          for (let i = 0; i < 2; i++) {
            const idle = await Promise.all([a.sweep(), b.sweep()]);
            expect(idle.map((summary) => summary.examined)).toEqual([0, 0]);
          }
          expect(sandbox.lnbits.postCount()).toBe(postsBefore);

          for (const o of orders) {
            const truth = truthOf(sandbox, hashesOf(sandbox, o));
            // The money: exactly one payment of exactly amountSats.
            expect({ order: o.orderId, succeeded: truth.succeeded.length, paidMsat: truth.paidMsat }).toEqual({
              order: o.orderId,
              succeeded: 1,
              paidMsat: o.amountSats * 1000,
            });
            // One invoice per order (the hash died by 404, so it was re-sent as is), POSTed exactly twice:
            // the Cloudflare 520, then ONE re-send — never one per process.
            expect({ order: o.orderId, hashes: truth.hashes.length, posts: truth.posts }).toEqual({
              order: o.orderId,
              hashes: 1,
              posts: 2,
            });

            const events = await b.auditEvents(o.orderId);
            const claims = events.filter((e) => e.type === 'PaymentAttempted');
            expect(claims.map((e) => e.data.attempt)).toEqual([1, 2]);
            expect(new Set(claims.map((e) => e.data.paymentHash))).toEqual(new Set(truth.hashes));
            expect(events.filter((e) => e.type === 'PaymentNotFound')).toHaveLength(1);
            expect(events.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
            expect(events.filter((e) => e.type === 'Payment520').map((e) => e.data.source)).toEqual(['cloudflare']);
          }
          expect(await a.fallbackQueue()).toEqual([]);
          // Both processes are still healthy after the contention.
          expect((await a.request('GET', '/health/ready')).status).toBe(200);
          expect((await b.request('GET', '/health/ready')).status).toBe(200);
        },
      ),
    90_000,
  );
});

/**
 * From a child's log (JSON lines, fields at the top level): claims that lost the race on the expected
 * revision (the pay step stopped because the other process had claimed first) and concurrency conflicts
 * the executor retried (debug lines).
 */
function countContention(output: string): { lostClaims: number; conflicts: number } {
  let lostClaims = 0;
  for (const line of output.split('\n')) {
    let entry: any;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry?.step === 'pay' && entry.result === 'stop' && /could still settle|already settled|current invoice/.test(String(entry.reason)))
      lostClaims++;
  }
  const conflicts = (output.match(/Concurrency conflict on /g) ?? []).length;
  return { lostClaims, conflicts };
}
