import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ANSWERED_BY_THE_ORDER,
  Discrepancy,
  ReconciliationEvent,
  ReconciliationReport,
} from '../../domain/reconciliation/reconciliation-events';
import { RECONCILIATION_STREAM } from '../../domain/streams/stream-names';
import { appendChainedOnLatest } from '../ledger-integrity/chained-append';
import { CommandContext } from '../command-context';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { EVENT_STORE, EventStore } from '../ports/event-store.port';
import { WALLET, WalletPayment, WalletPort } from '../ports/wallet.port';
import { PAYOUT_COMMAND_DEPS, PayoutCommandDeps, handlePayoutCommand, handledOrThrow } from '../payouts/handle-payout-command';
import { LedgerClaims } from './ledger-claims';
import { alertLine } from '../alert-line';
import { schemaVersionOf } from '../../domain/events/event-catalogue';

export interface ReconcileOptions {
  /** Append the findings (and answer them in the orders' streams) instead of only reporting them. */
  record: boolean;
  actor: CommandContext['actor'];
  pageSize?: number;
  onProgress?: (phase: 'ledger' | 'wallet', count: number) => void;
}

const DEFAULT_PAGE_SIZE = 500;
/** A report event stays small however many payments disagree; the findings themselves are all recorded. */
const REPORTED_DISCREPANCIES = 1000;

/**
 * Design rule 9, the one implementation behind the scheduled run, POST
 * /v1/admin/reconciliation and `ledger reconcile`. The wallet's list is read
 * page by page (newest first: payments made meanwhile shift the offsets, so a
 * payment may be seen twice and is counted once by its hash).
 */
@Injectable()
export class WalletReconciler {
  private readonly logger = new Logger(WalletReconciler.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WALLET) private readonly wallet: WalletPort,
    @Inject(PAYOUT_COMMAND_DEPS) private readonly deps: PayoutCommandDeps,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async reconcile(options: ReconcileOptions): Promise<ReconciliationReport> {
    const id = this.ids.next();
    const startedAt = this.clock.now().toISOString();
    const progress = options.onProgress ?? (() => undefined);
    let events = 0;
    const ledger = await LedgerClaims.read(this.store, () => progress('ledger', ++events));
    const ledgerSettled = ledger.settledCount;
    const context: CommandContext = { correlationId: id, causationId: null, actor: options.actor };
    const discrepancies: Discrepancy[] = [];
    const found = async (discrepancy: Discrepancy, answer?: () => Promise<void>, alreadyRecorded = false) => {
      discrepancies.push(discrepancy);
      if (!options.record || alreadyRecorded) return;
      this.logger.warn(
        alertLine(
          'reconciliation_finding',
          `reconciliation ${discrepancy.kind}: order ${discrepancy.orderId ?? '-'}, payment ${discrepancy.paymentHash}: ${discrepancy.detail}`,
          { orderId: discrepancy.orderId, finding: discrepancy.kind, paymentHash: discrepancy.paymentHash },
        ),
      );
      if (answer)
        await answer().catch((error: Error) =>
          this.logger.error(`Reconciliation could not record ${discrepancy.kind} of ${discrepancy.orderId}: ${error.message}`),
        );
      if (!ANSWERED_BY_THE_ORDER.has(discrepancy.kind)) await this.recordFinding(discrepancy, context);
    };

    const seen = new Set<string>();
    const paid = new Set<string>();
    let matched = 0;
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.wallet.listPayments({ limit: pageSize, offset });
      for (const payment of page) {
        // Incoming payments (positive amounts) are top-ups, not payouts.
        if (payment.amountMsat > 0 || seen.has(payment.paymentHash)) continue;
        seen.add(payment.paymentHash);
        if (payment.status !== 'success') continue;
        paid.add(payment.paymentHash);
        if (await this.match(payment, ledger, context, found)) matched++;
      }
      progress('wallet', seen.size);
      if (page.length < pageSize) break;
    }
    for (const [orderId, paymentHash] of ledger.settlements()) {
      if (!paid.has(paymentHash))
        await found({
          kind: 'settled_not_paid',
          orderId,
          paymentHash,
          detail: 'the ledger settled this hash; the wallet lists no successful payment of it',
        });
    }
    const report: ReconciliationReport = {
      id,
      startedAt,
      finishedAt: this.clock.now().toISOString(),
      walletPayments: seen.size,
      ledgerSettled,
      matched,
      discrepancies,
    };
    if (options.record)
      await this.append(
        { type: 'ReconciliationCompleted', data: { ...report, discrepancies: discrepancies.slice(0, REPORTED_DISCREPANCIES) } },
        this.ids.next(),
        context,
      );
    return report;
  }

  /** The latest recorded report, or null before the first. */
  async latest(): Promise<ReconciliationReport | null> {
    for await (const event of this.store.readStream(RECONCILIATION_STREAM, { direction: 'backwards' })) {
      if (event.type === 'ReconciliationCompleted') return event.data as unknown as ReconciliationReport;
    }
    return null;
  }

  private async match(
    payment: WalletPayment,
    ledger: LedgerClaims,
    context: CommandContext,
    found: (discrepancy: Discrepancy, answer?: () => Promise<void>, alreadyRecorded?: boolean) => Promise<void>,
  ): Promise<boolean> {
    const { paymentHash } = payment;
    const claim = ledger.claim(paymentHash);
    const paidMsat = Math.abs(payment.amountMsat);
    if (!claim)
      return found({
        kind: 'unknown_wallet_payment',
        orderId: null,
        paymentHash,
        detail: `the wallet paid ${paidMsat} msat; no order claimed this hash`,
      }).then(() => false);
    const { orderId } = claim;
    if (paidMsat !== claim.amountMsat) {
      await found({
        kind: 'amount_mismatch',
        orderId,
        paymentHash,
        detail: `the wallet paid ${paidMsat} msat; the order claimed ${claim.amountMsat} msat`,
      });
    }
    const settledHash = ledger.settledHash(orderId);
    if (settledHash === paymentHash) return true;
    // Money truth wins (rule 9): the wallet's answer goes through the status-check path, which settles the order or, for
    // a second paid hash, records the double payment.
    const answer = async () => {
      const status = { kind: 'settled' as const, preimage: payment.preimage, feeMsat: payment.feeMsat };
      handledOrThrow(await handlePayoutCommand(this.deps, orderId, { type: 'RecordStatusCheck', data: { paymentHash, status } }, context));
    };
    if (settledHash === undefined) {
      ledger.markSettled(orderId, paymentHash);
      await found(
        {
          kind: 'paid_not_settled',
          orderId,
          paymentHash,
          detail: `the wallet paid ${paidMsat} msat; the ledger had not settled the order`,
        },
        answer,
      );
      return true;
    }
    const paidTwice: Discrepancy = {
      kind: 'paid_twice',
      orderId,
      paymentHash,
      detail: `the wallet paid this hash as well as ${settledHash}, which settled the order`,
    };
    // Already escalated in the order's stream: still listed (the money moved twice), not alerted or recorded again.
    if (ledger.isKnownDoublePayment(paymentHash))
      return found({ ...paidTwice, detail: `${paidTwice.detail} (recorded: DoublePaymentDetected)` }, undefined, true).then(() => false);
    await found(paidTwice, answer);
    return false;
  }

  private async recordFinding(discrepancy: Discrepancy, context: CommandContext): Promise<void> {
    // The id is the finding's own: a second run, or another instance reconciling at the same time, appends nothing new.
    const id = uuidFrom(`${discrepancy.kind}:${discrepancy.paymentHash}`);
    const data = { ...discrepancy, runId: context.correlationId, foundAt: this.clock.now().toISOString() };
    await this.append({ type: 'ReconciliationDiscrepancyFound', data }, id, context);
  }

  /**
   * Chained like every other stream (tamper evidence). A finding's id is its own, so the store refuses to record it
   * twice (an id already stored is an idempotent no-op), whoever reconciles at the same time.
   */
  private async append(event: ReconciliationEvent, id: string, context: CommandContext): Promise<void> {
    await appendChainedOnLatest(this.store, RECONCILIATION_STREAM, [
      {
        id,
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        metadata: { ...context, schemaVersion: schemaVersionOf(event.type) },
      },
    ]);
  }
}

/** A UUID-shaped name-based id (version 5 layout over SHA-256), as EventStoreDB wants UUIDs. */
function uuidFrom(name: string): string {
  const bytes = createHash('sha256').update(`pix-lightning-ledger:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
