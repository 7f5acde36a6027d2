import { Logger } from '@nestjs/common';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { until } from '../support/until';

/**
 * The half-open trial is the invoice probe, never a real order: during an
 * incident that outlasts several probes, orders queued behind the open breaker
 * are not POSTed until a probe's POST (a 1-sat invoice, no money moving) has
 * answered, and then all settle at once, with the cron far away.
 */

/** Slow enough that the orders below are confirmed before the probes use up the faults. */
const PROBE_INTERVAL_MS = 1_000;
const THRESHOLD = 3;
const FAULTS = 6;

describe('The invoice probe closes the breaker, no order is the trial', () => {
  let h: PayoutHarness;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    h = await startPayoutHarness({
      VOLTZ_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
      VOLTZ_BREAKER_THRESHOLD: String(THRESHOLD),
      PAYMENT_NOT_FOUND_GRACE_MS: '1000',
    });
  });
  afterAll(async () => {
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
    jest.restoreAllMocks();
  });

  it(`${FAULTS} Cloudflare 520s on payment POSTs, threshold ${THRESHOLD}: orders queued while open all settle once the POSTs answer`, async () => {
    const lnbits = h.sandbox.lnbits;
    const invoice = (sats: number) => mintInvoice({ network: 'regtest', amountMsat: sats * 1000, expirySeconds: 3600 });
    const status = async () => (await h.admin('GET', '/v1/admin/voltz/status')).body;
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false }, times: FAULTS });

    for (let i = 0; i < THRESHOLD; i++)
      expect((await h.confirm(`probe_first_${i}`, 1_000 + i, invoice(1_000 + i).bolt11)).status).toBe(201);
    await until('the breaker to open', async () => (await status()).breaker !== 'closed');

    const held = new Map<string, string>();
    for (let i = 0; i < 5; i++) {
      const minted = invoice(2_000 + i);
      const orderId = `probe_held_${i}`;
      held.set(orderId, minted.paymentHash);
      expect((await h.confirm(orderId, 2_000 + i, minted.bolt11)).status).toBe(201);
    }
    await Promise.all(
      [...held.keys()].map((orderId) => h.waitFor(orderId, (s) => /^wallet unavailable: circuit breaker/.test(s.lastError ?? ''))),
    );
    // The remaining faults are used up by invoice probes alone: no held order's invoice reaches the wallet meanwhile.
    const faultsLeftAtOpen = lnbits.pendingFaults().reduce((n, f) => n + f.remaining, 0);
    expect(faultsLeftAtOpen).toBeGreaterThan(0);
    await until('the probes to use up the faults', () => lnbits.pendingFaults().length === 0, 15_000);
    const clearedAt = Date.now();
    for (const paymentHash of held.values()) expect(lnbits.postCount(paymentHash)).toBe(0);

    await Promise.all([...held.keys()].map((orderId) => h.waitForStatus(orderId, ['SETTLED'], 10_000)));
    const settledWithinMs = Date.now() - clearedAt;
    expect(settledWithinMs).toBeLessThan(10_000);
    for (const [orderId, paymentHash] of held) {
      // The breaker's refusal explained the wait; SETTLED, there is nothing left to explain.
      expect((await h.bot('GET', `/v1/payouts/${orderId}`)).body).toMatchObject({ status: 'SETTLED', lastError: null });
      expect(lnbits.postCount(paymentHash)).toBe(1);
      expect((await h.events(orderId)).filter((e) => e.type === 'PaymentAttempted')).toHaveLength(1);
    }
    expect((await status()).breaker).toBe('closed');
    const samples = (await status()).recent as { kind: string; ok: boolean; detail: string }[];
    expect(samples.some((s) => s.kind === 'probe' && !s.ok && s.detail.startsWith('invoice probe:'))).toBe(true);
  });
});
