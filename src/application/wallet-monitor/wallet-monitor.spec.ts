import { Logger } from '@nestjs/common';
import { StoredEvent } from '../ports/event-store.port';
import { PayOutcome, PaymentStatus, ProbedWalletPort, WalletInfo, WalletPort } from '../ports/wallet.port';
import { Invoice } from '../../domain/destination/invoice';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { TimeOrderedIdGenerator } from '../../infrastructure/system/time-ordered-id-generator';
import { makeTempDir } from '../../../test/support/temp-dir';
import { TestClock } from '../../../test/support/test-clock';
import { ObservedWallet } from './observed-wallet';
import { VOLTZ_MONITOR_STREAM } from '../../domain/streams/stream-names';
import { WalletMonitor } from './wallet-monitor';
import { verifyChains } from '../ledger-integrity/ledger-verifier';

const START = new Date('2026-03-01T10:00:00.000Z');
const INVOICE: Invoice = { bolt11: 'lnbcrt1', paymentHash: 'a'.repeat(64), amountMsat: 1000, expiresAt: '2026-03-01T11:00:00.000Z' };
const CLOUDFLARE_520: PayOutcome = {
  kind: 'unknown',
  reason: 'HTTP 520 Cloudflare page',
  http520: { source: 'cloudflare', httpStatus: 520, cfRay: null },
};
const SETTLED: PayOutcome = { kind: 'settled', preimage: null, feeMsat: 1000 };

/** A wallet whose answers the test scripts; each call takes `latencyMs` on the test clock. */
class ScriptedWallet implements WalletPort, ProbedWalletPort {
  payAnswers: PayOutcome[] = [];
  statusAnswers: PaymentStatus[] = [];
  walletAnswers: (WalletInfo | Error)[] = [];
  /** Answers of the invoice probe: null = an invoice was created. */
  invoiceAnswers: (Error | null)[] = [];
  invoiceProbes = 0;
  latencyMs = 0;

  constructor(private readonly clock: TestClock) {}

  async pay(): Promise<PayOutcome> {
    this.clock.advance(this.latencyMs);
    return this.payAnswers.shift()!;
  }

  async checkPayment(): Promise<PaymentStatus> {
    this.clock.advance(this.latencyMs);
    return this.statusAnswers.shift()!;
  }

  async getWallet(): Promise<WalletInfo> {
    this.clock.advance(this.latencyMs);
    const answer = this.walletAnswers.shift()!;
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async listPayments(): Promise<never[]> {
    return [];
  }

  async createProbeInvoice(): Promise<void> {
    this.invoiceProbes++;
    this.clock.advance(this.latencyMs);
    const answer = this.invoiceAnswers.shift();
    if (answer === undefined) throw new Error('the test scripted no invoice probe answer');
    if (answer) throw answer;
  }
}

describe('WalletMonitor (injected clock, real SQLite store)', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let clock: TestClock;
  let raw: ScriptedWallet;
  let monitor: WalletMonitor;
  let wallet: ObservedWallet;
  let recoveries: number;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    dir = makeTempDir('pll-monitor');
    clock = new TestClock(START);
    store = new SqliteEventStore({ filename: `${dir.path}/events.sqlite`, clock });
    raw = new ScriptedWallet(clock);
    monitor = new WalletMonitor(
      { threshold: 2, inFlightTimeoutMs: 5_000, instanceId: 'instance-1', lowBalanceSats: 0 },
      raw,
      store,
      clock,
      new TimeOrderedIdGenerator(clock),
    );
    wallet = new ObservedWallet(raw, monitor, clock);
    recoveries = 0;
    monitor.onRecovery(() => recoveries++);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await monitor.flush();
    await store.close();
    dir.remove();
  });

  async function monitorEvents(): Promise<StoredEvent[]> {
    await monitor.flush();
    const events: StoredEvent[] = [];
    for await (const event of store.readStream(VOLTZ_MONITOR_STREAM)) events.push(event);
    return events;
  }

  it('two instances sharing the stream keep one hash chain: a stale head in memory is re-read after the conflict', async () => {
    const other = new WalletMonitor(
      { threshold: 2, inFlightTimeoutMs: 5_000, instanceId: 'instance-2', lowBalanceSats: 0 },
      raw,
      store,
      clock,
      new TimeOrderedIdGenerator(clock),
    );
    const otherWallet = new ObservedWallet(raw, other, clock);
    raw.payAnswers.push(CLOUDFLARE_520, CLOUDFLARE_520, CLOUDFLARE_520, CLOUDFLARE_520);
    await wallet.pay(INVOICE);
    await wallet.pay(INVOICE);
    await monitor.flush();
    await otherWallet.pay(INVOICE);
    await otherWallet.pay(INVOICE);
    await other.flush();
    // This instance still holds the head it wrote first: its append conflicts, and it chains on the other's event.
    raw.walletAnswers.push({ name: 'Voltz', balanceMsat: 1 });
    raw.invoiceAnswers.push(null);
    await monitor.probe();
    await monitor.flush();

    const events = await monitorEvents();
    expect(events.map((event) => [event.type, event.data.instanceId])).toEqual([
      ['VoltzBreakerOpened', 'instance-1'],
      ['VoltzBreakerOpened', 'instance-2'],
      ['VoltzBreakerHalfOpened', 'instance-1'],
      ['VoltzBreakerClosed', 'instance-1'],
    ]);
    const report = await verifyChains(store);
    expect(report.breaks).toEqual([]);
  });

  it('keeps probes, POSTs and status checks newest first with their latency, result and 520 source', async () => {
    raw.latencyMs = 120;
    raw.walletAnswers.push({ name: 'Voltz', balanceMsat: 5_000_000 });
    await monitor.probe();
    clock.advance(1_000);
    raw.latencyMs = 30_000;
    raw.payAnswers.push(CLOUDFLARE_520);
    expect(await wallet.pay(INVOICE)).toBe(CLOUDFLARE_520);
    raw.latencyMs = 40;
    raw.statusAnswers.push({ kind: 'pending' });
    await wallet.checkPayment(INVOICE.paymentHash);

    const status = monitor.status();
    expect(status.recent).toEqual([
      { at: '2026-03-01T10:00:31.160Z', kind: 'status', ok: true, latencyMs: 40, detail: 'pending' },
      {
        at: '2026-03-01T10:00:31.120Z',
        kind: 'pay',
        ok: false,
        latencyMs: 30_000,
        detail: 'unknown: HTTP 520 Cloudflare page (Cloudflare 520)',
      },
      { at: '2026-03-01T10:00:00.120Z', kind: 'probe', ok: true, latencyMs: 120, detail: 'wallet "Voltz" answered' },
    ]);
    expect(status).toMatchObject({ breaker: 'closed', consecutiveUnknownPosts: 1, availabilityLastHour: 2 / 3 });
    expect(monitor.lastWallet).toEqual({ name: 'Voltz', balanceMsat: 5_000_000, at: '2026-03-01T10:00:00.120Z' });
  });

  it('availability covers the last hour only, and is 1 before any sample', async () => {
    expect(monitor.status().availabilityLastHour).toBe(1);
    raw.walletAnswers.push(new Error('GET /api/v1/wallet: HTTP 520'), new Error('timeout'), { name: 'w', balanceMsat: 1_000_000_000 });
    await monitor.probe();
    clock.advance(30 * 60_000);
    await monitor.probe();
    expect(monitor.status().availabilityLastHour).toBe(0);
    clock.advance(20 * 60_000);
    await monitor.probe();
    expect(monitor.status().availabilityLastHour).toBeCloseTo(1 / 3);
    // 61 minutes after the first failure it has left the window; the second failure (31 minutes ago) has not.
    clock.advance(11 * 60_000);
    expect(monitor.status().availabilityLastHour).toBe(0.5);
    clock.advance(60 * 60_000);
    expect(monitor.status().availabilityLastHour).toBe(1);
    expect(monitor.status().recent.map((s) => s.ok)).toEqual([true, false, false]);
  });

  it('a probe still running makes the next one a no-op', async () => {
    raw.walletAnswers.push({ name: 'w', balanceMsat: 1_000_000_000 });
    await Promise.all([monitor.probe(), monitor.probe()]);
    expect(monitor.status().recent).toHaveLength(1);
  });

  it('opens after the threshold of unknown POSTs; only the invoice probe closes it, never a real payment, each transition recorded', async () => {
    raw.payAnswers.push(CLOUDFLARE_520, { kind: 'unknown', reason: 'timeout after 30000 ms' });
    await wallet.pay(INVOICE);
    expect(monitor.permit(INVOICE.amountMsat)).toEqual({ allowed: true });
    clock.advance(10);
    await wallet.pay(INVOICE);
    const openedAt = clock.now().toISOString();
    expect(monitor.status()).toMatchObject({ breaker: 'open', since: openedAt, consecutiveUnknownPosts: 2 });
    expect(monitor.permit(INVOICE.amountMsat)).toEqual({
      allowed: false,
      reason: `wallet unavailable: circuit breaker open since ${openedAt}`,
      cause: 'wallet_unavailable',
    });
    // Status checks go on and never move the breaker.
    raw.statusAnswers.push({ kind: 'not_found' });
    await wallet.checkPayment(INVOICE.paymentHash);

    // The wallet's GET answers but the payment path still fails: the breaker stays open, and no order was asked to try.
    clock.advance(1_000);
    raw.walletAnswers.push({ name: 'w', balanceMsat: 1_000_000_000 });
    raw.invoiceAnswers.push(new Error('POST /api/v1/payments (probe invoice): HTTP 520'));
    await monitor.probe();
    expect(monitor.status().breaker).toBe('open');
    expect(monitor.permit(INVOICE.amountMsat).allowed).toBe(false);
    expect(recoveries).toBe(0);

    clock.advance(1_000);
    raw.walletAnswers.push({ name: 'w', balanceMsat: 1_000_000_000 });
    raw.invoiceAnswers.push(null);
    await monitor.probe();
    expect(monitor.status()).toMatchObject({ breaker: 'closed', consecutiveUnknownPosts: 0 });
    expect(recoveries).toBe(1);
    expect(monitor.permit(INVOICE.amountMsat)).toEqual({ allowed: true });
    expect(raw.invoiceProbes).toBe(2);
    expect(monitor.status().recent[0]).toMatchObject({ kind: 'probe', ok: true, detail: 'invoice probe: a 1-sat invoice was created' });

    // Closed: no invoice probe, only the balance.
    raw.walletAnswers.push({ name: 'w', balanceMsat: 1_000_000_000 });
    await monitor.probe();
    expect(raw.invoiceProbes).toBe(2);

    const events = await monitorEvents();
    expect(events.map((e) => e.type)).toEqual([
      'VoltzBreakerOpened',
      'VoltzBreakerHalfOpened',
      'VoltzBreakerOpened',
      'VoltzBreakerHalfOpened',
      'VoltzBreakerClosed',
    ]);
    expect(events[0].data).toEqual({
      instanceId: 'instance-1',
      from: 'closed',
      to: 'open',
      reason: '2 consecutive payment POSTs ended unknown, the last: unknown: timeout after 30000 ms',
      consecutiveUnknownPosts: 2,
      threshold: 2,
      at: openedAt,
    });
    expect(events[2].data).toMatchObject({ from: 'half_open', to: 'open', reason: expect.stringMatching(/^the invoice probe failed: /) });
    expect(events[4].data).toMatchObject({
      from: 'half_open',
      to: 'closed',
      reason: 'the invoice probe answered: a 1-sat invoice was created',
    });
    for (const event of events)
      expect(event.metadata).toMatchObject({ causationId: null, actor: 'system', schemaVersion: 1, correlationId: expect.any(String) });
  });

  it('a settled payment answered while open does not close it; the opening is one ALERT, however long the incident', async () => {
    const alerts = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    raw.payAnswers.push(CLOUDFLARE_520, CLOUDFLARE_520, SETTLED);
    await wallet.pay(INVOICE);
    await wallet.pay(INVOICE);
    await wallet.pay(INVOICE);
    expect(monitor.status().breaker).toBe('open');
    for (let i = 0; i < 3; i++) {
      raw.walletAnswers.push(new Error('GET /api/v1/wallet: HTTP 520'));
      raw.invoiceAnswers.push(new Error('POST /api/v1/payments (probe invoice): HTTP 520'));
      await monitor.probe();
    }
    expect(monitor.status().breaker).toBe('open');
    const lines = alerts.mock.calls.map(([line]) => line as { msg: string; alert: string });
    expect(lines.filter((line) => line.msg.startsWith('ALERT Voltz circuit breaker'))).toEqual([
      expect.objectContaining({ alert: 'breaker_open' }),
    ]);
  });

  it(
    'an "Insufficient balance" refusal stops every POST until a probe shows enough again, which sweeps; ' + 'one ALERT, one event each way',
    async () => {
      const alerts = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      raw.walletAnswers.push({ name: 'w', balanceMsat: 1_000_000_000 });
      await monitor.probe();
      expect(monitor.permit(INVOICE.amountMsat)).toEqual({ allowed: true });
      raw.payAnswers.push({
        kind: 'rejected',
        reason: 'LNbits 520 "Insufficient balance.": nothing was paid; retry the same invoice later',
        category: 'balance',
      });
      await wallet.pay(INVOICE);
      const refused = monitor.permit(INVOICE.amountMsat);
      expect(refused).toEqual({
        allowed: false,
        reason: expect.stringMatching(/^wallet short: balance 0 msat cannot cover 3000 msat/),
        cause: 'wallet_short',
      });
      expect(monitor.walletBalance()).toMatchObject({ balanceMsat: 1_000_000_000, low: true, shortSince: expect.any(String) });
      expect(monitor.status().breaker).toBe('closed');
      raw.walletAnswers.push({ name: 'w', balanceMsat: 2_999 }, { name: 'w', balanceMsat: 3_000 });
      await monitor.probe();
      expect(recoveries).toBe(0);
      await monitor.probe();
      expect(recoveries).toBe(1);
      expect(monitor.permit(INVOICE.amountMsat)).toEqual({ allowed: true });
      expect(
        alerts.mock.calls.map(([line]) => line as { msg: string; alert: string }).filter((line) => line.alert === 'wallet_low_balance'),
      ).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^ALERT Voltz wallet balance low/) })]);
      const events = await monitorEvents();
      expect(events.map((e) => e.type)).toEqual(['WalletLowBalance', 'WalletBalanceRestored']);
      expect(events[0].data).toMatchObject({ instanceId: 'instance-1', to: 'low', shortOfMsat: 3_000, lowBalanceSats: 0 });
    },
  );
});
