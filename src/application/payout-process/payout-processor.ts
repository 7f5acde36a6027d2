import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DestinationRejected } from '../../domain/payout/payout-events';
import { NextStep, nextStep } from '../../domain/payout/payout-next-step';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { WALLET_UNAVAILABLE } from '../../domain/wallet/circuit-breaker';
import { ApplicationError } from '../application-error';
import { CommandContext } from '../command-context';
import { PAYOUT_SETTINGS, PayoutSettings, fallbackTimings } from '../payout-settings';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator, RANDOM, RandomSource } from '../ports/clock.port';
import { LIGHTNING_ADDRESS_RESOLVER, LightningAddressResolver } from '../ports/lightning-address-resolver.port';
import { PAYMENT_GATE, PaymentGate } from '../ports/payment-gate.port';
import { WALLET, WalletPort } from '../ports/wallet.port';
import { ExecutedCommand, PayoutCommandExecutor } from '../payouts/payout-command-executor';
import { LoadedPayout, PayoutRepository } from '../payouts/payout-repository';
import { backoffDelayMs } from '../../domain/retry/backoff';

export type ProcessTrigger = 'event' | 'sweep' | 'admin';

export interface ProcessOutcome {
  orderId: string;
  status: PayoutStatus | null;
  /** True when this run claimed a payment or resolved a new invoice. */
  retried: boolean;
}

/**
 * What one step achieved — stop here, go straight on, or wait (one in-process
 * try) before going on — and the payout as the step left it, when known.
 */
type StepResult =
  | { kind: 'stop'; reason: string; loaded?: LoadedPayout }
  | { kind: 'continue'; loaded: LoadedPayout }
  | { kind: 'wait'; reason: string; loaded: LoadedPayout };

/** A claim younger than this may still be in another worker's hands: its POST can still be under way. */
const IN_FLIGHT_SLACK_MS = 5_000;
/** Bounds the straight-on steps of one run (resolve -> pay -> ...), whatever the answers. */
const MAX_STEPS_PER_RUN = 50;

/**
 * Drives one payout forward: the exactly-once rule of design.md, step by
 * step. Every decision is the decider's, made on the payout as read from
 * the stream and carried from step to step with its revision: each append
 * expects that revision, so a crash or a second instance changes nothing —
 * a concurrent claim loses on the expected revision and this run stops.
 */
@Injectable()
export class PayoutProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PayoutProcessor.name);
  private readonly running = new Map<string, Promise<ProcessOutcome>>();
  private readonly sleepers = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly repository: PayoutRepository,
    private readonly executor: PayoutCommandExecutor,
    @Inject(WALLET) private readonly wallet: WalletPort,
    @Inject(LIGHTNING_ADDRESS_RESOLVER) private readonly resolver: LightningAddressResolver,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: RandomSource,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(PAYMENT_GATE) private readonly gate: PaymentGate,
  ) {}

  /**
   * One run per order at a time in this process; a second caller joins the
   * running one. `from` saves the first read when the caller has just seen
   * the payout (the fast path): it is only the revision the first append
   * expects, so a stale one costs a conflict and a re-read.
   */
  process(orderId: string, trigger: ProcessTrigger, correlationId?: string, from?: LoadedPayout): Promise<ProcessOutcome> {
    const existing = this.running.get(orderId);
    if (existing) return existing;
    const context: CommandContext = { correlationId: correlationId ?? this.ids.next(), causationId: null, actor: 'system' };
    const run = this.run(orderId, trigger, context, from).finally(() => this.running.delete(orderId));
    this.running.set(orderId, run);
    return run;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(orderId: string, trigger: ProcessTrigger, context: CommandContext, from?: LoadedPayout): Promise<ProcessOutcome> {
    let tries = 0;
    let retried = false;
    let lastReason = '';
    let current: LoadedPayout | undefined = from ?? (await this.repository.load(orderId));
    for (let steps = 0; steps < MAX_STEPS_PER_RUN && !this.stopping && current; steps++) {
      const { state } = current;
      const step = nextStep(state, this.clock.now(), fallbackTimings(this.settings));
      if (step.kind === 'pay' || step.kind === 'resolve') retried = true;
      let result: StepResult;
      try {
        result = await this.step(orderId, current, step, context);
      } catch (error) {
        // Someone else changed the payout under us (a concurrent claim, a cancel): their run carries on.
        if (error instanceof ApplicationError) result = { kind: 'stop', reason: error.message };
        else throw error;
      }
      this.log(orderId, trigger, step, result, context, state?.attempts ?? 0);
      current = result.loaded;
      if (result.kind === 'stop') break;
      if (result.kind === 'continue') continue;
      // An escalated order is only watched (one status check per revisit) until a human acts.
      if (state?.escalated) break;
      lastReason = result.reason;
      if (++tries >= this.settings.paymentRetryAttempts) {
        await this.queueRetry(orderId, lastReason, context);
        current = undefined;
        break;
      }
      await this.sleep(backoffDelayMs(tries, this.settings.paymentRetryBaseMs, Number.POSITIVE_INFINITY, this.random.next()));
      // Whatever happened meanwhile (another instance, an admin) is read afresh.
      current = await this.repository.load(orderId);
    }
    const { state } = current ?? (await this.repository.load(orderId));
    return { orderId, status: state?.status ?? null, retried };
  }

  private async step(orderId: string, current: LoadedPayout, step: NextStep, context: CommandContext): Promise<StepResult> {
    const state = current.state!;
    switch (step.kind) {
      case 'none':
        return { kind: 'stop', reason: step.reason, loaded: current };
      case 'expire_invoice': {
        const { loaded } = await this.executor.execute(orderId, { type: 'ExpireInvoice', data: { paymentHash: step.paymentHash, sentInvoiceSlackMs: this.settings.sentInvoiceSlackMs } }, context, { from: current });
        return { kind: 'continue', loaded };
      }
      case 'resolve': {
        let result = await this.resolver.resolve(step.address, state.amountSats);
        let recorded: ExecutedCommand;
        try {
          recorded = await this.executor.execute(orderId, { type: 'RecordResolution', data: { address: step.address, result } }, context, { from: current });
        } catch (error) {
          // The address's server handed out an invoice another order already holds: ask it again later.
          if (!(error instanceof ApplicationError && error.code === 'invoice_in_use')) throw error;
          result = { ok: false, permanent: false, reason: `${step.address}: ${error.message}` };
          recorded = await this.executor.execute(orderId, { type: 'RecordResolution', data: { address: step.address, result } }, context);
        }
        const { loaded, events } = recorded;
        // The decider may refuse what the server handed out (an invoice this order already used): read what it recorded.
        const rejected = events.find((event): event is DestinationRejected => event.type === 'DestinationRejected');
        if (!rejected) return { kind: 'continue', loaded };
        const { reason, permanent } = rejected.data;
        return permanent ? { kind: 'stop', reason, loaded } : { kind: 'wait', reason, loaded };
      }
      case 'recheck':
        return this.recheck(orderId, current, step.payment, context);
      case 'check_status':
        return this.checkStatus(orderId, current, step.payment, context);
      case 'pay':
        return this.pay(orderId, current, step.invoice, context);
      default: {
        const unreachable: never = step;
        throw new Error(`Unknown step ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async pay(orderId: string, current: LoadedPayout, invoice: Extract<NextStep, { kind: 'pay' }>['invoice'], context: CommandContext): Promise<StepResult> {
    const state = current.state!;
    const attempts = state.attempts - state.escalationBaseline.attempts;
    if (attempts >= this.settings.escalateAfterAttempts) {
      const { loaded } = await this.escalate(orderId, `${attempts} payment attempts without settlement`, context, current);
      return { kind: 'stop', reason: 'escalated', loaded };
    }
    const permit = this.gate.permit(invoice.amountMsat);
    if (!permit.allowed) {
      // Due at once (the breaker, not the clock, decides); one event per incident, not one per sweep.
      if (!state.retryQueuedUntil || !state.lastError?.startsWith(WALLET_UNAVAILABLE)) await this.queueRetry(orderId, permit.reason, context, 0);
      return { kind: 'stop', reason: permit.reason };
    }
    // The claim is durable before any money can move; a concurrent claimer makes this throw.
    const claimed = await this.executor.execute(orderId, { type: 'ClaimPayment', data: { invoice } }, context, { from: current });
    const outcome = await this.wallet.pay(invoice);
    if (outcome.kind === 'rejected' && outcome.category === 'configuration') {
      this.logger.error(`ALERT Voltz refused the wallet key: ${outcome.reason} (order ${orderId}); nothing was paid`);
    }
    const { loaded } = await this.executor.execute(
      orderId,
      { type: 'RecordPaymentOutcome', data: { paymentHash: invoice.paymentHash, outcome } },
      context,
      { from: claimed.loaded },
    );
    if (outcome.kind === 'settled') return { kind: 'stop', reason: 'settled', loaded };
    return { kind: 'wait', reason: outcome.reason, loaded };
  }

  private async checkStatus(orderId: string, current: LoadedPayout, payment: Extract<NextStep, { kind: 'check_status' }>['payment'], context: CommandContext): Promise<StepResult> {
    const { paymentHash, outcome } = payment;
    const age = this.clock.now().getTime() - Date.parse(payment.lastAttemptedAt);
    if (outcome === 'in_flight' && age < this.settings.voltzTimeoutMs + IN_FLIGHT_SLACK_MS) {
      return { kind: 'stop', reason: 'a claim without an answer is still within the Voltz timeout', loaded: current };
    }
    const status = await this.wallet.checkPayment(paymentHash);
    const { loaded } = await this.executor.execute(
      orderId,
      { type: 'RecordStatusCheck', data: { paymentHash, status, notFoundGraceMs: this.settings.paymentNotFoundGraceMs } },
      context,
      { from: current },
    );
    const { state } = loaded;
    if (state?.settlement) return { kind: 'stop', reason: 'settled', loaded };
    const record = state?.hashes[paymentHash];
    if (record && record.outcome !== 'in_flight' && record.outcome !== 'pending' && record.outcome !== 'unknown') return { kind: 'continue', loaded };
    return { kind: 'wait', reason: status.kind === 'unknown' || status.kind === 'rejected' ? status.reason : `payment ${status.kind}`, loaded };
  }

  /** Rule 8: one more look at a hash declared dead; the wallet's latest word is recorded, whatever it is. */
  private async recheck(orderId: string, current: LoadedPayout, payment: Extract<NextStep, { kind: 'recheck' }>['payment'], context: CommandContext): Promise<StepResult> {
    const status = await this.wallet.checkPayment(payment.paymentHash);
    const { loaded } = await this.executor.execute(orderId, { type: 'RecordRecheck', data: { paymentHash: payment.paymentHash, status } }, context, { from: current });
    if (status.kind === 'unknown' || status.kind === 'rejected') return { kind: 'wait', reason: `re-check of ${payment.paymentHash}: ${status.reason}`, loaded };
    return { kind: 'continue', loaded };
  }

  // The backoff series goes on where the in-process tries stopped; the sweep picks the order up once due.
  private async queueRetry(orderId: string, reason: string, context: CommandContext, delayMs = this.settings.paymentRetryBaseMs * 2 ** this.settings.paymentRetryAttempts): Promise<void> {
    const { state } = await this.repository.load(orderId);
    if (!state || state.settlement || state.cancelled || state.escalated) return;
    const rounds = state.retriesQueued - state.escalationBaseline.retriesQueued;
    if (rounds >= this.settings.escalateAfterAttempts) {
      await this.escalate(orderId, `still unresolved after ${rounds} retry rounds: ${reason}`, context);
      return;
    }
    const nextAttemptAt = new Date(this.clock.now().getTime() + delayMs).toISOString();
    await this.executor.execute(orderId, { type: 'QueueRetry', data: { reason, nextAttemptAt } }, context).catch((error) => {
      if (!(error instanceof ApplicationError)) throw error;
    });
  }

  private async escalate(orderId: string, reason: string, context: CommandContext, from?: LoadedPayout): Promise<ExecutedCommand> {
    const executed = await this.executor.execute(orderId, { type: 'EscalatePayout', data: { reason } }, context, { from });
    if (executed.events.length > 0) this.logger.error(`ALERT payout ${orderId} needs attention: ${reason}`);
    return executed;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private log(orderId: string, trigger: ProcessTrigger, step: NextStep, result: StepResult, context: CommandContext, attemptsBefore: number): void {
    const paymentHash = step.kind === 'pay' ? step.invoice.paymentHash : step.kind === 'check_status' || step.kind === 'recheck' ? step.payment.paymentHash : undefined;
    this.logger.log({
      msg: 'payout step',
      orderId,
      trigger,
      step: step.kind,
      attempt: step.kind === 'pay' ? attemptsBefore + 1 : attemptsBefore,
      result: result.kind,
      ...(result.kind !== 'continue' ? { reason: result.reason } : {}),
      ...(paymentHash ? { paymentHash } : {}),
      correlationId: context.correlationId,
    });
  }
}
