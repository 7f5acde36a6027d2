import { Inject, Injectable, Logger } from '@nestjs/common';
import { DestinationRejected } from '../../domain/payout/payout-events';
import { EffectOutcome, WorkflowAction } from '../../domain/payout/payout-workflow';
import { ApplicationError } from '../application-error';
import { CommandContext } from '../command-context';
import { PAYOUT_SETTINGS, PayoutSettings } from '../payout-settings';
import { LIGHTNING_ADDRESS_RESOLVER, LightningAddressResolver } from '../ports/lightning-address-resolver.port';
import { PAYMENT_GATE, PaymentGate } from '../ports/payment-gate.port';
import { WALLET, WalletPort } from '../ports/wallet.port';
import { ExecutedCommand, PayoutCommandExecutor } from '../payouts/payout-command-executor';
import { LoadedPayout } from '../payouts/payout-repository';
import { alertLine } from '../alert-line';

/** What performing one action came to: the workflow's view of it, and the payout as the effect left it. */
export interface PerformedEffect {
  outcome: EffectOutcome;
  loaded: LoadedPayout;
}

type EffectAction = Exclude<WorkflowAction, { kind: 'finish' } | { kind: 'back_off' }>;

/**
 * Performs the workflow's actions (domain/payout/payout-workflow.ts): calls
 * the wallet or the address's server, and records what came back through the
 * decider. Every append expects the revision the payout was read at, so a
 * concurrent worker makes the append fail and this run stop; the claim is
 * durable before any money can move.
 */
@Injectable()
export class PayoutEffects {
  private readonly logger = new Logger(PayoutEffects.name);

  constructor(
    private readonly executor: PayoutCommandExecutor,
    @Inject(WALLET) private readonly wallet: WalletPort,
    @Inject(LIGHTNING_ADDRESS_RESOLVER) private readonly resolver: LightningAddressResolver,
    @Inject(PAYMENT_GATE) private readonly gate: PaymentGate,
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
  ) {}

  async perform(orderId: string, current: LoadedPayout, action: EffectAction, context: CommandContext): Promise<PerformedEffect> {
    try {
      return await this.effect(orderId, current, action, context);
    } catch (error) {
      // Someone else changed the payout under us (a concurrent claim, a cancel): their run carries on.
      if (error instanceof ApplicationError) return { outcome: { kind: 'stop', reason: error.message }, loaded: current };
      throw error;
    }
  }

  private async effect(orderId: string, current: LoadedPayout, action: EffectAction, context: CommandContext): Promise<PerformedEffect> {
    const record = (
      command: Parameters<PayoutCommandExecutor['execute']>[1],
      from: LoadedPayout | undefined = current,
    ): Promise<ExecutedCommand> => this.executor.execute(orderId, command, context, { from });
    switch (action.kind) {
      case 'expire_invoice': {
        const { loaded } = await record({
          type: 'ExpireInvoice',
          data: { paymentHash: action.paymentHash, sentInvoiceSlackMs: this.settings.sentInvoiceSlackMs },
        });
        return progress(loaded);
      }
      case 'resolve':
        return this.resolve(orderId, current, action.address, action.amountSats, context);
      case 'check_status': {
        const status = await this.wallet.checkPayment(action.paymentHash);
        const { loaded, payout } = await record({
          type: 'RecordStatusCheck',
          data: { paymentHash: action.paymentHash, status, notFoundGraceMs: this.settings.paymentNotFoundGraceMs },
        });
        const hash = payout.hashes[action.paymentHash];
        if (payout.settlement || (hash && hash.outcome !== 'in_flight' && hash.outcome !== 'pending' && hash.outcome !== 'unknown'))
          return progress(loaded);
        return wait(loaded, status.kind === 'unknown' || status.kind === 'rejected' ? status.reason : `payment ${status.kind}`);
      }
      case 'recheck': {
        // Rule 8: one more look at a hash declared dead; the wallet's latest word is recorded, whatever it is.
        const status = await this.wallet.checkPayment(action.paymentHash);
        const { loaded } = await record({ type: 'RecordRecheck', data: { paymentHash: action.paymentHash, status } });
        if (status.kind === 'unknown' || status.kind === 'rejected')
          return wait(loaded, `re-check of ${action.paymentHash}: ${status.reason}`);
        return progress(loaded);
      }
      case 'pay':
        return this.pay(orderId, current, action.invoice, context);
      case 'queue_retry': {
        const { loaded } = await record(
          { type: 'QueueRetry', data: { reason: action.reason, nextAttemptAt: action.nextAttemptAt } },
          undefined,
        );
        return progress(loaded);
      }
      case 'escalate': {
        const executed = await record({ type: 'EscalatePayout', data: { reason: action.reason } });
        if (executed.events.length > 0)
          this.logger.error(alertLine('needs_attention', `payout ${orderId} needs attention: ${action.reason}`, { orderId }));
        return progress(executed.loaded);
      }
      default: {
        const unreachable: never = action;
        throw new Error(`Unknown action ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async resolve(
    orderId: string,
    current: LoadedPayout,
    address: string,
    amountSats: number,
    context: CommandContext,
  ): Promise<PerformedEffect> {
    let result = await this.resolver.resolve(address, amountSats);
    let recorded: ExecutedCommand;
    try {
      recorded = await this.executor.execute(orderId, { type: 'RecordResolution', data: { address, result } }, context, { from: current });
    } catch (error) {
      // The address's server handed out an invoice another order already holds: ask it again later.
      if (!(error instanceof ApplicationError && error.code === 'invoice_in_use')) throw error;
      result = { ok: false, permanent: false, reason: `${address}: ${error.message}` };
      recorded = await this.executor.execute(orderId, { type: 'RecordResolution', data: { address, result } }, context);
    }
    // The decider may refuse what the server handed out (an invoice this order already used): read what it recorded.
    const rejected = recorded.events.find((event): event is DestinationRejected => event.type === 'DestinationRejected');
    if (!rejected) return progress(recorded.loaded);
    const { reason, permanent } = rejected.data;
    return permanent ? { outcome: { kind: 'stop', reason }, loaded: recorded.loaded } : wait(recorded.loaded, reason);
  }

  private async pay(
    orderId: string,
    current: LoadedPayout,
    invoice: Extract<WorkflowAction, { kind: 'pay' }>['invoice'],
    context: CommandContext,
  ): Promise<PerformedEffect> {
    const permit = this.gate.permit(invoice.amountMsat);
    if (!permit.allowed) return { outcome: { kind: 'held', reason: permit.reason }, loaded: current };
    // The claim is durable before any money can move; a concurrent claimer makes this throw.
    const claimed = await this.executor.execute(orderId, { type: 'ClaimPayment', data: { invoice } }, context, { from: current });
    const outcome = await this.wallet.pay(invoice);
    if (outcome.kind === 'rejected' && outcome.category === 'configuration') {
      this.logger.error(
        alertLine('wallet_key_refused', `Voltz refused the wallet key: ${outcome.reason} (order ${orderId}); nothing was paid`, {
          orderId,
        }),
      );
    }
    const { loaded } = await this.executor.execute(
      orderId,
      { type: 'RecordPaymentOutcome', data: { paymentHash: invoice.paymentHash, outcome } },
      context,
      {
        from: claimed.loaded,
      },
    );
    if (outcome.kind === 'settled') return { outcome: { kind: 'stop', reason: 'settled' }, loaded };
    return wait(loaded, outcome.reason);
  }
}

const progress = (loaded: LoadedPayout): PerformedEffect => ({ outcome: { kind: 'progress' }, loaded });
const wait = (loaded: LoadedPayout, reason: string): PerformedEffect => ({ outcome: { kind: 'wait', reason }, loaded });
