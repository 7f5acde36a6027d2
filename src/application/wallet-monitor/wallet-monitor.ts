import { Inject, Injectable, Logger } from '@nestjs/common';
import { PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';
import {
  BreakerRules,
  BreakerStep,
  BreakerTransition,
  CircuitBreaker,
  closedBreaker,
  paymentPermit,
  recordInvoiceProbe,
  recordPaymentAnswer,
  startInvoiceProbe,
} from '../../domain/wallet/circuit-breaker';
import {
  BalanceRules,
  BalanceStep,
  BalanceTransition,
  WalletBalance,
  recordAnswered,
  recordBalanceProbe,
  recordShortfall,
  reserve,
  shortfall,
  unknownBalance,
} from '../../domain/wallet/wallet-balance';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { VOLTZ_MONITOR_STREAM } from '../../domain/streams/stream-names';
import { StreamHead, appendChainedOnLatest } from '../ledger-integrity/chained-append';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { PaymentGate, PaymentPermit, ProbedWalletPort, WalletInfo } from '../ports/wallet.port';
import { WalletHistory, WalletSample, WalletSampleKind } from './wallet-history';
import { alertLine } from '../alert-line';
import { CatalogueEventType, WALLET_MONITOR_EVENTS, schemaVersionOf } from '../../domain/events/event-catalogue';

/** The samples GET /v1/admin/voltz/status shows. */
const RECENT_SAMPLES = 50;

export interface WalletMonitorOptions extends BreakerRules {
  /** Tells this process's transitions apart in the shared voltz-monitor stream: every instance keeps its own breaker. */
  instanceId: string;
  /** WALLET_LOW_BALANCE_SATS. */
  lowBalanceSats: number;
  /** A permitted payment whose POST never answered stops holding its sats back after this long. */
  inFlightTimeoutMs: number;
}

export const WALLET_MONITOR_OPTIONS = Symbol('WALLET_MONITOR_OPTIONS');
/** The wallet as Voltz answers it, undecorated: the probe must not count itself twice. */
export const PROBED_WALLET = Symbol('PROBED_WALLET');

export interface WalletMonitorStatus {
  breaker: CircuitBreaker['position'];
  since: string;
  consecutiveUnknownPosts: number;
  availabilityLastHour: number;
  recent: WalletSample[];
}

/** The balance as this instance knows it (msat); what open payouts need is added by the query that shows it. */
export interface WalletBalanceStatus {
  /** The last successful probe's balance; null before the first. */
  balanceMsat: number | null;
  /** When that probe answered: the balance is as of then (probes that fail leave it as it was). */
  balanceAt: string | null;
  lowBalanceSats: number;
  /** Below WALLET_LOW_BALANCE_SATS, or a payout waiting for sats. */
  low: boolean;
  /** Since when a payout has been waiting for sats; null while none is. */
  shortSince: string | null;
}

function describePay(outcome: PayOutcome): string {
  const http520 = outcome.http520;
  const source = !http520 ? '' : http520.source === 'cloudflare' ? ` (Cloudflare ${http520.httpStatus})` : ' (LNbits 520)';
  return `${outcome.kind}${outcome.kind === 'settled' ? '' : `: ${outcome.reason}`}${source}`;
}

function describeStatus(status: PaymentStatus): string {
  return status.kind === 'unknown' || status.kind === 'rejected' || status.kind === 'failed'
    ? `${status.kind}: ${status.reason}`
    : status.kind;
}

/**
 * Watches the wallet (Voltz, in production): a periodic wallet probe and the outcomes of real payment
 * POSTs and status checks, kept as a short history, and the circuit breaker
 * they drive. Transitions are logged and recorded in the voltz-monitor stream
 * so the audit trail shows why payments paused; recovery asks for a sweep at once.
 */
@Injectable()
export class WalletMonitor implements PaymentGate {
  private readonly logger = new Logger(WalletMonitor.name);
  private readonly history = new WalletHistory(RECENT_SAMPLES);
  private readonly recoveryListeners: (() => void)[] = [];
  private breaker: CircuitBreaker;
  private probing = false;
  /** Transition events are appended one after the other, in the order they happened. */
  private writes: Promise<void> = Promise.resolve();
  /**
   * The stream's head as this process last wrote it; unknown (read once) at
   * start and after a failed write. Instances share the stream, so appends use
   * expected revisions and re-read the head on a conflict: appending with ANY
   * could put two events on one prev and break the chain.
   */
  private head: StreamHead | undefined;
  private wallet: (WalletInfo & { at: string }) | null = null;
  private balance: WalletBalance = unknownBalance();

  constructor(
    @Inject(WALLET_MONITOR_OPTIONS) private readonly options: WalletMonitorOptions,
    @Inject(PROBED_WALLET) private readonly probed: ProbedWalletPort,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {
    this.breaker = closedBreaker(clock.now());
  }

  /** The last successful probe's answer (the balance is in msat). */
  get lastWallet(): (WalletInfo & { at: string }) | null {
    return this.wallet;
  }

  /** The balance is asked first, so a payout that cannot be covered is recorded as waiting for sats whatever the breaker says. */
  permit(amountMsat: number): PaymentPermit {
    const short = shortfall(this.balance, amountMsat);
    if (short) {
      this.balanceStep(recordShortfall(this.balance, amountMsat, short, this.clock.now(), this.balanceRules, false));
      return { allowed: false, reason: short, cause: 'wallet_short' };
    }
    const permit = paymentPermit(this.breaker);
    if (permit.allowed) this.balance = reserve(this.balance, amountMsat, this.clock.now());
    return permit;
  }

  walletBalance(): WalletBalanceStatus {
    const { probedMsat, low, shortSince } = this.balance;
    return { balanceMsat: probedMsat, balanceAt: this.wallet?.at ?? null, lowBalanceSats: this.options.lowBalanceSats, low, shortSince };
  }

  /** Called when the wallet is worth trying again (half-open), when it has proved itself (closed), and when a shortage of sats ends. */
  onRecovery(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }

  /**
   * GET /api/v1/wallet (the balance) and, while the breaker is not closed, the
   * invoice probe: reads can succeed while payment POSTs fail, so only a POST
   * that answers may close it, and no real order is gambled on the trial. A
   * probe still running when the next is due makes that one a no-op.
   */
  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.probeBalance();
      if (this.breaker.position !== 'closed') await this.probeInvoice();
    } finally {
      this.probing = false;
    }
  }

  private async probeBalance(): Promise<void> {
    const started = this.clock.now();
    try {
      const wallet = await this.probed.getWallet();
      this.wallet = { ...wallet, at: this.clock.now().toISOString() };
      this.observe('probe', started, true, `wallet "${wallet.name}" answered`);
      this.balanceStep(recordBalanceProbe(this.balance, wallet.balanceMsat, this.clock.now(), this.balanceRules));
    } catch (error) {
      this.observe('probe', started, false, (error as Error).message);
    }
  }

  private async probeInvoice(): Promise<void> {
    this.step(startInvoiceProbe(this.breaker, this.clock.now()));
    const started = this.clock.now();
    let ok = true;
    let detail = 'a 1-sat invoice was created';
    try {
      await this.probed.createProbeInvoice();
    } catch (error) {
      ok = false;
      detail = (error as Error).message;
    }
    this.observe('probe', started, ok, `invoice probe: ${detail}`);
    this.step(recordInvoiceProbe(this.breaker, ok, detail, this.clock.now()));
  }

  recordPayment(outcome: PayOutcome, started: Date, amountMsat: number): void {
    this.observe('pay', started, outcome.kind !== 'unknown', describePay(outcome));
    this.balance = recordAnswered(this.balance, amountMsat);
    if (outcome.kind === 'rejected' && outcome.category === 'balance') {
      this.balanceStep(recordShortfall(this.balance, amountMsat, outcome.reason, this.clock.now(), this.balanceRules, true));
    }
  }

  recordStatusCheck(status: PaymentStatus, started: Date): void {
    this.observe('status', started, status.kind !== 'unknown', describeStatus(status));
  }

  status(): WalletMonitorStatus {
    return {
      breaker: this.breaker.position,
      since: this.breaker.since,
      consecutiveUnknownPosts: this.breaker.consecutiveUnknownPosts,
      availabilityLastHour: this.history.availability(this.clock.now()),
      recent: this.history.recent(),
    };
  }

  /** Availability in the hour starting at `hourStartMs`, as this process saw it; null for an hour it saw nothing of. */
  availabilityInHour(hourStartMs: number): number | null {
    return this.history.availabilityInHour(hourStartMs);
  }

  /** Resolves once every transition so far is in the store. */
  flush(): Promise<void> {
    return this.writes;
  }

  private observe(kind: WalletSampleKind, started: Date, ok: boolean, detail: string): void {
    const now = this.clock.now();
    this.history.record({ at: now.toISOString(), kind, ok, latencyMs: now.getTime() - started.getTime(), detail });
    if (kind === 'pay') this.step(recordPaymentAnswer(this.breaker, !ok, detail, now, this.options));
  }

  private step(step: BreakerStep): void {
    this.breaker = step.breaker;
    if (step.transition) this.transitioned(step.transition);
  }

  private transitioned(transition: BreakerTransition): void {
    const line = `Voltz circuit breaker ${transition.from} -> ${transition.to}: ${transition.reason}`;
    // Only the first opening is an incident; a failed invoice probe re-opening it is the same incident going on.
    if (transition.to === 'open' && transition.from === 'closed')
      this.logger.error(alertLine('breaker_open', `${line}; no payment is POSTed until an invoice probe succeeds`));
    else this.logger.warn(line);
    this.record(WALLET_MONITOR_EVENTS.breaker[transition.to], {
      instanceId: this.options.instanceId,
      ...transition,
      threshold: this.options.threshold,
    });
    if (transition.to === 'closed') this.recovered();
  }

  private get balanceRules(): BalanceRules {
    return { lowBalanceMsat: this.options.lowBalanceSats * 1000, inFlightTimeoutMs: this.options.inFlightTimeoutMs };
  }

  private balanceStep(step: BalanceStep): void {
    this.balance = step.balance;
    if (step.transition) this.balanceTransitioned(step.transition);
    if (step.recovered) this.recovered();
  }

  private balanceTransitioned(transition: BalanceTransition): void {
    if (transition.to === 'low')
      this.logger.error(
        alertLine('wallet_low_balance', `Voltz wallet balance low: ${transition.reason}; payouts it cannot cover wait for a top-up`),
      );
    else this.logger.warn(`Voltz wallet balance restored: ${transition.reason}`);
    const { shortSince, shortOfMsat } = this.balance;
    this.record(WALLET_MONITOR_EVENTS.balance[transition.to], {
      instanceId: this.options.instanceId,
      ...transition,
      shortSince,
      shortOfMsat,
      lowBalanceSats: this.options.lowBalanceSats,
    });
  }

  private recovered(): void {
    for (const listener of this.recoveryListeners) listener();
  }

  private record(type: CatalogueEventType, data: Record<string, unknown>): void {
    const event = {
      id: this.ids.next(),
      type,
      data,
      metadata: {
        correlationId: this.ids.next(),
        causationId: null,
        actor: 'system' as const,
        schemaVersion: schemaVersionOf(type),
      },
    };
    this.writes = this.writes
      .then(() => appendChainedOnLatest(this.store, VOLTZ_MONITOR_STREAM, [event], this.head))
      .then(
        (head) => {
          this.head = head;
        },
        // The breaker works without its audit record; losing the record must not stop payments or probes.
        (error) => {
          this.head = undefined;
          this.logger.error(`Could not record ${event.type} in ${VOLTZ_MONITOR_STREAM}: ${(error as Error).message}`);
        },
      );
  }
}
