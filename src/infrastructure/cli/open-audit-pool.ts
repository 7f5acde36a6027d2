import { EventStore, StoredEvent, comparePositions } from '../../application/ports/event-store.port';
import { toPayoutEvent } from '../../application/payouts/payout-repository';
import { ClosedPayoutAudit, PayoutAudit } from '../../domain/audit/payout-audit';
import { FallbackTimings } from '../../domain/payout/payout-workflow';
import { isPayoutEvent } from '../../domain/payout/payout-events';
import { payoutStreamName } from '../../domain/streams/stream-names';

/**
 * Audits opened or touched per generation: far more orders than a busy
 * service has in flight at once, few enough that their states die young
 * (with 2,000 the garbage collector copied them around measurably more).
 */
const DEFAULT_GENERATION = 1_000;

interface Audited<A> {
  /** When the order was first seen: audits are listed in this order, as the log first names them. */
  seq: number;
  audit: A;
}

/**
 * The payout audits of one pass over the log in position order. Any later
 * event may still belong to an order, so no audit can be finished before the
 * log ends; to keep memory bounded, only the audits touched last stay open
 * (with their order's whole state) and the others are closed early, keeping
 * just their findings and the values their order must hold. An event for a
 * closed audit — an order that went on after a thousand others or more,
 * rare — reopens it by replaying its stream up to that event.
 *
 * "Touched last" is kept in two generations rather than an exact LRU: once
 * the current one is full, every audit the previous one still holds (not
 * touched since) is closed and the current one becomes the previous. Each
 * step is O(1) and an audit stays open for at least a generation.
 */
export class OpenAuditPool {
  private current = new Map<string, Audited<PayoutAudit>>();
  private previous = new Map<string, Audited<PayoutAudit>>();
  private readonly closed = new Map<string, Audited<ClosedPayoutAudit>>();
  private seen = 0;

  constructor(
    private readonly store: EventStore,
    private readonly timings: FallbackTimings,
    private readonly generation = DEFAULT_GENERATION,
  ) {}

  /** Orders seen so far. */
  get orders(): number {
    return this.seen;
  }

  /** Applies one event of a payout stream, in log order. */
  async apply(orderId: string, event: StoredEvent): Promise<void> {
    let open = this.current.get(orderId);
    if (!open) {
      open = this.previous.get(orderId);
      if (open) this.previous.delete(orderId);
      else {
        const closed = this.closed.get(orderId);
        open = closed ? await this.reopen(orderId, closed.seq, event) : { seq: this.seen++, audit: new PayoutAudit(orderId, this.timings) };
      }
      if (this.current.size >= this.generation) this.nextGeneration();
      this.current.set(orderId, open);
    }
    if (isPayoutEvent(event)) open.audit.apply(toPayoutEvent(event), event.revision);
  }

  /** Every audit closed, in the order the log first named its order; the pool is spent afterwards. */
  close(): ClosedPayoutAudit[] {
    const all: Audited<ClosedPayoutAudit>[] = [...this.closed.values()];
    for (const { seq, audit } of [...this.previous.values(), ...this.current.values()]) all.push({ seq, audit: audit.close() });
    this.previous.clear();
    this.current.clear();
    this.closed.clear();
    return all.sort((a, b) => a.seq - b.seq).map(({ audit }) => audit);
  }

  private nextGeneration(): void {
    for (const [orderId, { seq, audit }] of this.previous) this.closed.set(orderId, { seq, audit: audit.close() });
    this.previous = this.current;
    this.current = new Map();
  }

  /** The order's audit as it stood just before `next`: its stream replayed from the start, its findings found afresh. */
  private async reopen(orderId: string, seq: number, next: StoredEvent): Promise<Audited<PayoutAudit>> {
    this.closed.delete(orderId);
    const audit = new PayoutAudit(orderId, this.timings);
    for await (const event of this.store.readStream(payoutStreamName(orderId))) {
      if (comparePositions(event.position, next.position) < 0 && isPayoutEvent(event)) audit.apply(toPayoutEvent(event), event.revision);
    }
    return { seq, audit };
  }
}
