import { Inject, Injectable, Logger } from '@nestjs/common';
import { PayoutCommand } from '../../domain/payout/payout-commands';
import { DestinationRejected } from '../../domain/payout/payout-events';
import { isLive } from '../../domain/payout/payout-state';
import { EffectOutcome, WorkflowAction } from '../../domain/payout/payout-workflow';
import { alertLine } from '../alert-line';
import { CommandContext } from '../command-context';
import { LIGHTNING_ADDRESS_RESOLVER, LightningAddressResolver } from '../ports/lightning-address-resolver.port';
import { PAYMENT_GATE, PaymentGate, WALLET, WalletPort } from '../ports/wallet.port';
import {
  HandledCommand,
  PAYOUT_COMMAND_DEPS,
  PayoutCommandDeps,
  PayoutCommandResult,
  handlePayoutCommand,
} from '../payouts/handle-payout-command';
import { LoadedPayout } from '../payouts/payout-repository';

/** What performing one action came to: the workflow's view of it, and the payout as the effect left it. */
export interface PerformedEffect {
  outcome: EffectOutcome;
  loaded: LoadedPayout;
}

type EffectAction = Exclude<WorkflowAction, { kind: 'finish' } | { kind: 'back_off' }>;

/**
 * Performs the workflow's actions (domain/payout/payout-workflow.ts): calls the wallet or the address's server, and
 * records what came back through the decider. Every command starts from the payout as the last one left it, so a
 * concurrent worker's append makes the decider see the change; a refusal ends this run, as someone else's run (or
 * an admin) has the payout now. The claim is durable before any money can move.
 */
@Injectable()
export class PayoutEffects {
  private readonly logger = new Logger(PayoutEffects.name);

  constructor(
    @Inject(PAYOUT_COMMAND_DEPS) private readonly deps: PayoutCommandDeps,
    @Inject(WALLET) private readonly wallet: WalletPort,
    @Inject(LIGHTNING_ADDRESS_RESOLVER) private readonly resolver: LightningAddressResolver,
    @Inject(PAYMENT_GATE) private readonly gate: PaymentGate,
  ) {}

  async perform(orderId: string, current: LoadedPayout, action: EffectAction, context: CommandContext): Promise<PerformedEffect> {
    const steps = new EffectSteps(this.deps, orderId, current, context);
    switch (action.kind) {
      case 'expire_invoice':
        return steps.record({ type: 'ExpireInvoice', data: { paymentHash: action.paymentHash } }, progress);
      case 'resolve':
        return this.resolve(steps, action.address, action.amountSats);
      case 'check_status': {
        const status = await this.wallet.checkPayment(action.paymentHash);
        return steps.record({ type: 'RecordStatusCheck', data: { paymentHash: action.paymentHash, status } }, ({ loaded, payout }) => {
          const hash = payout.hashes[action.paymentHash];
          if (payout.settlement || !hash || !isLive(hash)) return progress({ loaded });
          return wait(loaded, status.kind === 'unknown' || status.kind === 'rejected' ? status.reason : `payment ${status.kind}`);
        });
      }
      case 'recheck': {
        // Rule 8: one more look at a hash declared dead; the wallet's latest word is recorded, whatever it is.
        const status = await this.wallet.checkPayment(action.paymentHash);
        return steps.record({ type: 'RecordRecheck', data: { paymentHash: action.paymentHash, status } }, ({ loaded }) =>
          status.kind === 'unknown' || status.kind === 'rejected'
            ? wait(loaded, `re-check of ${action.paymentHash}: ${status.reason}`)
            : progress({ loaded }),
        );
      }
      case 'pay':
        return this.pay(steps, action.invoice);
      case 'queue_retry': {
        const { reason, nextAttemptAt, cause } = action;
        return steps.record({ type: 'QueueRetry', data: { reason, nextAttemptAt, cause } }, progress);
      }
      case 'escalate':
        return steps.record({ type: 'EscalatePayout', data: { reason: action.reason } }, (handled) => {
          if (handled.events.length > 0)
            this.logger.error(alertLine('needs_attention', `payout ${orderId} needs attention: ${action.reason}`, { orderId }));
          return progress(handled);
        });
      default: {
        const unreachable: never = action;
        throw new Error(`Unknown action ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async resolve(steps: EffectSteps, address: string, amountSats: number): Promise<PerformedEffect> {
    const result = await this.resolver.resolve(address, amountSats);
    const recorded = await steps.handle({ type: 'RecordResolution', data: { address, result } });
    if (!recorded.ok && recorded.error.code === 'invoice_in_use') {
      // The address's server handed out an invoice another order already holds: recorded as a transient failure, asked again later.
      const inUse = { ok: false as const, permanent: false, reason: `${address}: ${recorded.error.message}` };
      return steps.record({ type: 'RecordResolution', data: { address, result: inUse } }, afterResolution);
    }
    return steps.conclude(recorded, afterResolution);
  }

  private async pay(steps: EffectSteps, invoice: Extract<WorkflowAction, { kind: 'pay' }>['invoice']): Promise<PerformedEffect> {
    const permit = this.gate.permit(invoice.amountMsat);
    if (!permit.allowed) return { outcome: { kind: 'held', reason: permit.reason, cause: permit.cause }, loaded: steps.current };
    // The claim is durable before any money can move; a concurrent claimer makes the decider refuse it.
    const claimed = await steps.handle({ type: 'ClaimPayment', data: { invoice } });
    if (!claimed.ok) return steps.conclude(claimed, progress);
    const outcome = await this.wallet.pay(invoice);
    if (outcome.kind === 'rejected' && outcome.category === 'configuration') {
      this.logger.error(
        alertLine('wallet_key_refused', `Voltz refused the wallet key: ${outcome.reason} (order ${steps.orderId}); nothing was paid`, {
          orderId: steps.orderId,
        }),
      );
    }
    return steps.record({ type: 'RecordPaymentOutcome', data: { paymentHash: invoice.paymentHash, outcome } }, ({ loaded }) =>
      outcome.kind === 'settled' ? { outcome: { kind: 'stop', reason: 'settled' }, loaded } : wait(loaded, outcome.reason),
    );
  }
}

/** One effect's commands, each starting from the payout as the previous one left it. */
class EffectSteps {
  constructor(
    private readonly deps: PayoutCommandDeps,
    readonly orderId: string,
    public current: LoadedPayout,
    private readonly context: CommandContext,
  ) {}

  async handle(command: PayoutCommand): Promise<PayoutCommandResult> {
    const result = await handlePayoutCommand(this.deps, this.orderId, command, this.context, { from: this.current });
    if (result.ok) this.current = result.handled.loaded;
    return result;
  }

  /** A refusal means someone else changed the payout under us (a concurrent claim, a cancel): their run carries on. */
  conclude(result: PayoutCommandResult, then: (handled: HandledCommand) => PerformedEffect): PerformedEffect {
    if (!result.ok) return { outcome: { kind: 'stop', reason: result.error.message }, loaded: this.current };
    return then(result.handled);
  }

  async record(command: PayoutCommand, then: (handled: HandledCommand) => PerformedEffect): Promise<PerformedEffect> {
    return this.conclude(await this.handle(command), then);
  }
}

function afterResolution(handled: HandledCommand): PerformedEffect {
  // The decider may refuse what the server handed out (an invoice this order already used): read what it recorded.
  const rejected = handled.events.find((event): event is DestinationRejected => event.type === 'DestinationRejected');
  if (!rejected) return progress(handled);
  const { reason, permanent } = rejected.data;
  return permanent ? { outcome: { kind: 'stop', reason }, loaded: handled.loaded } : wait(handled.loaded, reason);
}

const progress = ({ loaded }: Pick<HandledCommand, 'loaded'>): PerformedEffect => ({ outcome: { kind: 'progress' }, loaded });
const wait = (loaded: LoadedPayout, reason: string): PerformedEffect => ({ outcome: { kind: 'wait', reason }, loaded });
