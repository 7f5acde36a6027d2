import { FallbackTimings, fallbackDueAt } from '../payout/payout-workflow';
import { PayoutEvent } from '../payout/payout-events';
import { Payout, PayoutState, evolve, initialPayoutState, liveHash } from '../payout/payout-state';

/** One broken invariant of the ledger, named after the order it was found in. */
export interface LedgerViolation {
  orderId: string;
  rule:
    | 'stream_start'
    | 'read_model'
    | 'settled_twice'
    | 'settled_unclaimed'
    | 'amount_mismatch'
    | 'claim_while_live'
    | 'claim_without_outcome'
    | 'reservation';
  detail: string;
}

/** Who holds each reserved value, as the reservation streams last said (null: released). */
export interface ReservationHolders {
  endToEndId(endToEndId: string): string | null | undefined;
  paymentHash(paymentHash: string): string | null | undefined;
}

/** A closed audit: its findings, and what its order must still hold in the reservation streams (null: it never started). */
export interface ClosedPayoutAudit {
  orderId: string;
  violations: LedgerViolation[];
  reserved: { endToEndId: string; paymentHashes: readonly string[] } | null;
}

/** A closed audit's findings, with the reservations its order should hold but does not. */
export function checkReservations(closed: ClosedPayoutAudit, holders: ReservationHolders): LedgerViolation[] {
  if (!closed.reserved) return closed.violations;
  const found = [...closed.violations];
  const { orderId, reserved } = closed;
  const e2eHolder = holders.endToEndId(reserved.endToEndId);
  if (e2eHolder !== orderId)
    found.push({ orderId, rule: 'reservation', detail: `end-to-end id ${reserved.endToEndId} is held by ${e2eHolder ?? 'nobody'}` });
  for (const hash of reserved.paymentHashes) {
    const holder = holders.paymentHash(hash);
    if (holder !== orderId) found.push({ orderId, rule: 'reservation', detail: `payment hash ${hash} is held by ${holder ?? 'nobody'}` });
  }
  return found;
}

/**
 * The ledger's central claim, checked over one payout stream replayed through
 * the production `evolve`: paid at most once, only a hash it claimed, for
 * exactly its amount, never two hashes live at once, and no claim left
 * without an outcome unless the sweep will still look at it.
 */
export class PayoutAudit {
  private state: PayoutState = initialPayoutState();
  private readonly claimedMsat = new Map<string, number>();
  private settlements = 0;
  readonly violations: LedgerViolation[] = [];

  constructor(
    readonly orderId: string,
    private readonly timings: FallbackTimings,
  ) {}

  apply(event: PayoutEvent, revision: number): void {
    const before = this.state;
    const started = before.status !== 'NONE';
    if (!started && event.type !== 'PixConfirmed')
      return this.violate('stream_start', `#${revision} ${event.type} before any PixConfirmed`);
    if (started && event.type === 'PixConfirmed') return this.violate('stream_start', `#${revision} a second PixConfirmed`);
    if (started) this.check(before, event, revision);
    this.state = evolve(before, event);
  }

  /**
   * The checks that need the whole stream but not the reservation streams:
   * what is left of the audit is small (the findings and the values the
   * order must hold), so a long log can close audits early and keep only that.
   */
  close(): ClosedPayoutAudit {
    const state = this.state;
    if (state.status === 'NONE') return { orderId: this.orderId, violations: this.violations, reserved: null };
    const unanswered = Object.values(state.hashes).filter((record) => record.outcome === 'in_flight');
    if (unanswered.length > 0 && fallbackDueAt(state, this.timings) === null) {
      this.violate(
        'claim_without_outcome',
        `claim of ${unanswered.map((r) => r.paymentHash).join(', ')} has no outcome and the order is not in the fallback view`,
      );
    }
    return {
      orderId: this.orderId,
      violations: this.violations,
      reserved: { endToEndId: state.endToEndId, paymentHashes: state.invoiceHashes },
    };
  }

  private check(state: Payout, event: PayoutEvent, revision: number): void {
    const expectedMsat = state.amountSats * 1000;
    switch (event.type) {
      case 'PaymentAttempted': {
        const live = liveHash(state);
        if (live && live.paymentHash !== event.data.paymentHash) {
          this.violate('claim_while_live', `#${revision} claimed ${event.data.paymentHash} while ${live.paymentHash} could still settle`);
        }
        if (event.data.amountMsat !== expectedMsat)
          this.violate('amount_mismatch', `#${revision} claimed ${event.data.amountMsat} msat for an order of ${expectedMsat} msat`);
        this.claimedMsat.set(event.data.paymentHash, event.data.amountMsat);
        return;
      }
      case 'PaymentSettled':
      case 'DoublePaymentDetected': {
        if (event.type === 'PaymentSettled' && ++this.settlements > 1) {
          this.violate(
            'settled_twice',
            `#${revision} settled again on ${event.data.paymentHash} (first on ${state.settlement?.paymentHash ?? '?'})`,
          );
        }
        const claimed = this.claimedMsat.get(event.data.paymentHash);
        if (claimed === undefined)
          this.violate('settled_unclaimed', `#${revision} ${event.type} on ${event.data.paymentHash}, never claimed`);
        return;
      }
      default:
        return;
    }
  }

  private violate(rule: LedgerViolation['rule'], detail: string): void {
    this.violations.push({ orderId: this.orderId, rule, detail });
  }
}
