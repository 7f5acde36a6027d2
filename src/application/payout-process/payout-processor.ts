import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EffectOutcome, WorkflowAction, evolveRun, nextAction, startRun } from '../../domain/payout/payout-workflow';
import { PayoutState } from '../../domain/payout/payout-state';
import { backoffDelayMs } from '../../domain/retry/backoff';
import { CommandContext } from '../command-context';
import { PAYOUT_SETTINGS, PayoutSettings, payoutPolicy } from '../payout-settings';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator, RANDOM, RandomSource } from '../ports/clock.port';
import { LoadedPayout, PayoutRepository } from '../payouts/payout-repository';
import { PayoutEffects } from './payout-effects';

export type ProcessTrigger = 'event' | 'sweep' | 'admin';

export interface ProcessOutcome {
  orderId: string;
  status: PayoutState['status'];
  /** True when this run claimed a payment or asked the address's server for an invoice: it acted, not only looked. */
  attempted: boolean;
}

/**
 * Drives one payout forward: the thin loop around the pure workflow
 * (domain/payout/payout-workflow.ts). It asks the workflow what to do, has
 * PayoutEffects perform it and record its outcome through the decider, folds
 * the outcome into the run and asks again. Every decision is the decider's,
 * made on the payout as read from the stream and carried from step to step
 * with its revision: each append expects that revision, so a crash or a
 * second instance changes nothing — a concurrent claim loses on the expected
 * revision and this run stops.
 */
@Injectable()
export class PayoutProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PayoutProcessor.name);
  private readonly running = new Map<string, Promise<ProcessOutcome>>();
  private readonly sleepers = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly repository: PayoutRepository,
    private readonly effects: PayoutEffects,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: RandomSource,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /**
   * The one entry point for "advance this payout", whatever the trigger. One
   * run per order at a time in this process; a second caller joins the
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
    const policy = payoutPolicy(this.settings);
    let attempted = false;
    let run = startRun();
    let current = from ?? (await this.repository.load(orderId));
    while (!this.stopping) {
      const action = nextAction(current.state, run, this.clock.now(), policy);
      if (action.kind === 'finish') break;
      let outcome: EffectOutcome = { kind: 'progress' };
      if (action.kind === 'back_off') {
        await this.sleep(backoffDelayMs(action.tryNumber, this.settings.paymentRetryBaseMs, Number.POSITIVE_INFINITY, this.random.next()));
        // Whatever happened meanwhile (another instance, an admin) is read afresh.
        current = await this.repository.load(orderId);
      } else {
        if (action.kind === 'pay' || action.kind === 'resolve') attempted = true;
        const attemptsBefore = current.state.status === 'NONE' ? 0 : current.state.attempts;
        const performed = await this.effects.perform(orderId, current, action, context);
        ({ outcome } = performed);
        current = performed.loaded;
        this.log(orderId, trigger, action, outcome, context, attemptsBefore);
      }
      run = evolveRun(run, action, outcome);
    }
    return { orderId, status: current.state.status, attempted };
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

  private log(
    orderId: string,
    trigger: ProcessTrigger,
    action: WorkflowAction,
    outcome: EffectOutcome,
    context: CommandContext,
    attemptsBefore: number,
  ): void {
    const paymentHash =
      action.kind === 'pay'
        ? action.invoice.paymentHash
        : action.kind === 'check_status' || action.kind === 'recheck'
          ? action.paymentHash
          : undefined;
    this.logger.log({
      msg: 'payout step',
      orderId,
      trigger,
      step: action.kind,
      attempt: action.kind === 'pay' ? attemptsBefore + 1 : attemptsBefore,
      result: outcome.kind,
      ...(outcome.kind !== 'progress' ? { reason: outcome.reason } : {}),
      ...(paymentHash ? { paymentHash } : {}),
      correlationId: context.correlationId,
    });
  }
}
