import { Logger } from '@nestjs/common';
import { StoredEvent } from '../../src/application/ports/event-store.port';
import { VOLTZ_MONITOR_STREAM } from '../../src/domain/streams/stream-names';
import { requiredMsat } from '../../src/domain/wallet/wallet-balance';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { until } from '../support/until';
import { KEYS } from '../support/test-app';

/**
 * Issue 15: the wallet runs out of sats. The sandbox wallet's ground truth
 * (POSTs received, payments made) is the judge; the cron is far in the future
 * (the harness's default), so only a probe seeing the top-up sweeps anything.
 */

const PROBE_INTERVAL_MS = 200;
const ORDER_SATS = 10_000;
const ORDER_COUNT = 20;
const PAYABLE = 5;
const NEED_MSAT = requiredMsat(ORDER_SATS * 1000);
/** Enough for five payouts and their fee reserve, not for a sixth. */
const START_BALANCE_MSAT = PAYABLE * NEED_MSAT + NEED_MSAT / 2;
const LOW_BALANCE_SATS = 1_000_000;
const SHORT = /^wallet short: balance \d+ msat cannot cover \d+ msat/;

describe('Wallet balance (real app, sandbox wallet ground truth)', () => {
  let sandbox: Sandbox;
  let h: PayoutHarness;
  let errors: jest.SpyInstance;
  const status = async () => (await h.admin('GET', '/v1/admin/voltz/status')).body;
  /** The `pll_wallet_low` gauge of /metrics (Prometheus text), as an operator's alert rule reads it. */
  const walletLowGauge = async (): Promise<string | undefined> => {
    const text = (await h.request('GET', '/metrics', KEYS.admin)).body as string;
    return /^pll_wallet_low (\d+)$/m.exec(text)?.[1];
  };
  const monitorEvents = async (): Promise<StoredEvent[]> => {
    const events: StoredEvent[] = [];
    for await (const event of h.store.readStream(VOLTZ_MONITOR_STREAM)) events.push(event);
    return events;
  };
  const lowBalanceAlerts = () =>
    errors.mock.calls
      .map(([line]) => line as { msg?: string; alert?: string })
      .filter((line) => line.alert === 'wallet_low_balance' && line.msg?.startsWith('ALERT Voltz wallet balance low'));

  beforeAll(async () => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    sandbox = await startSandbox({ network: 'regtest', balanceMsat: START_BALANCE_MSAT });
    h = await startPayoutHarness(
      { VOLTZ_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS), WALLET_LOW_BALANCE_SATS: String(LOW_BALANCE_SATS) },
      undefined,
      { sandbox },
    );
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    await sandbox.close();
    jest.restoreAllMocks();
  });

  it(
    `a balance for ${PAYABLE} of ${ORDER_COUNT} orders settles ${PAYABLE}; the others wait without a POST; a top-up ` +
      `settles them without the cron`,
    async () => {
      const lnbits = sandbox.lnbits;
      await until('the start-up probe', async () => (await status()).wallet.balanceMsat === START_BALANCE_MSAT);
      const postsBefore = lnbits.postCount();

      const orders: string[] = [];
      await Promise.all(
        Array.from({ length: ORDER_COUNT }, async (_, i) => {
          const orderId = `bal_${i}`;
          orders.push(orderId);
          const bolt11 = mintInvoice({ network: 'regtest', amountMsat: ORDER_SATS * 1000, expirySeconds: 3600 }).bolt11;
          expect((await h.confirm(orderId, ORDER_SATS, bolt11)).status).toBe(201);
        }),
      );
      const settled = (state: { status: string }) => state.status === 'SETTLED';
      const waiting = (state: { status: string; lastError: string | null }) =>
        state.status === 'RETRY_QUEUED' && SHORT.test(state.lastError ?? '');
      const finals = await Promise.all(orders.map((orderId) => h.waitFor(orderId, (s) => settled(s) || waiting(s))));
      expect(finals.filter(settled)).toHaveLength(PAYABLE);
      const held = orders.filter((_, i) => waiting(finals[i]));
      expect(held).toHaveLength(ORDER_COUNT - PAYABLE);
      // The gate held them back: not one was claimed, and the wallet saw exactly the payable POSTs.
      for (const orderId of held) expect((await h.events(orderId)).map((e) => e.type)).not.toContain('PaymentAttempted');
      expect(lnbits.postCount()).toBe(postsBefore + PAYABLE);

      // Probes and sweeps while the wallet stays short write nothing and POST nothing.
      const eventCounts = await Promise.all(held.map(async (orderId) => (await h.events(orderId)).length));
      const probesSeen = (await status()).recent.filter((s: { kind: string }) => s.kind === 'probe').length;
      await until(
        'a few more probes',
        async () => (await status()).recent.filter((s: { kind: string }) => s.kind === 'probe').length >= probesSeen + 3,
      );
      expect((await h.admin('POST', '/v1/admin/fallback/sweep')).status).toBe(200);
      expect((await h.admin('POST', '/v1/admin/fallback/sweep')).status).toBe(200);
      expect(await Promise.all(held.map(async (orderId) => (await h.events(orderId)).length))).toEqual(eventCounts);
      expect(lnbits.postCount()).toBe(postsBefore + PAYABLE);
      for (const orderId of held) {
        const retries = (await h.events(orderId)).filter((e) => e.type === 'RetryQueued');
        expect(retries).toHaveLength(1);
        expect(retries[0].data).toMatchObject({ cause: 'wallet_short', reason: expect.stringMatching(SHORT) });
      }

      // What admins see: the fallback view says why, the status shows the balance beside what the queue needs.
      await h.projectionsCaughtUp();
      const queue = (await h.admin('GET', '/v1/admin/fallback-queue')).body.items as { orderId: string; lastError: string | null }[];
      for (const orderId of held) expect(queue.find((item) => item.orderId === orderId)?.lastError).toMatch(SHORT);
      const short = await status();
      expect(short.wallet).toEqual({
        balanceMsat: lnbits.balanceMsat,
        balanceAt: expect.any(String),
        neededMsat: held.length * NEED_MSAT,
        lowBalanceSats: LOW_BALANCE_SATS,
        low: true,
        shortSince: expect.any(String),
      });
      expect(short.breaker).toBe('closed');
      expect(lowBalanceAlerts()).toHaveLength(1);
      expect(await walletLowGauge()).toBe('1');

      const topUp = await fetch(`${sandbox.lnbitsUrl}/sandbox/topup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msat: 2 * LOW_BALANCE_SATS * 1000 }),
      });
      expect(topUp.status).toBe(200);
      const toppedUpAt = Date.now();
      await Promise.all(held.map((orderId) => h.waitForStatus(orderId, ['SETTLED'], 5_000)));
      expect(Date.now() - toppedUpAt).toBeLessThan(5_000);

      for (const orderId of orders) {
        const events = await h.events(orderId);
        expect(events.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
        expect(events.filter((e) => e.type === 'PaymentAttempted')).toHaveLength(1);
        expect(events.map((e) => e.type)).not.toContain('PayoutEscalated');
        expect(await h.paidMsat(orderId)).toBe(ORDER_SATS * 1000);
      }
      expect(lnbits.postCount()).toBe(postsBefore + ORDER_COUNT);
      await until('the restored balance in the status', async () => (await status()).wallet.low === false);
      await h.projectionsCaughtUp();
      expect((await status()).wallet).toMatchObject({ neededMsat: 0, low: false, shortSince: null });
      expect(lowBalanceAlerts()).toHaveLength(1);
      expect(await walletLowGauge()).toBe('0');

      const transitions = await monitorEvents();
      expect(transitions.map((e) => e.type)).toEqual(['WalletLowBalance', 'WalletBalanceRestored']);
      expect(transitions[0].data).toMatchObject({
        to: 'low',
        balanceMsat: START_BALANCE_MSAT,
        lowBalanceSats: LOW_BALANCE_SATS,
        instanceId: expect.any(String),
      });
      expect(transitions[0].metadata).toMatchObject({ actor: 'system', schemaVersion: 1, causationId: null });
      expect(transitions[1].data).toMatchObject({ to: 'restored', shortSince: null });
    },
  );
});
