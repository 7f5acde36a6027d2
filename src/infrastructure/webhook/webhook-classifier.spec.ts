import { PayoutEvent } from '../../domain/payout/payout-events';
import { evolve, foldPayout, initialPayoutState } from '../../domain/payout/payout-state';
import { ADDRESS, HOUR, MIN, ORDER_ID, ev, history, invoice, iso, stateOf } from '../../domain/payout/payout.fixtures';
import { toPayoutView } from '../../domain/payout/payout-view';
import { buildWebhookBody, classifyPayoutEvent } from './webhook-classifier';
import { WebhookType } from '../../domain/events/event-catalogue';

/** The webhook type of the LAST event of a stream, folding the ones before it exactly like the outbox does. */
function typeOfLast(events: PayoutEvent[]): WebhookType | null {
  const before = foldPayout(events.slice(0, -1));
  const last = events[events.length - 1];
  return classifyPayoutEvent(before, last, evolve(before, last));
}

/** Every event of a stream mapped to its webhook type, in order. */
function typesOf(events: PayoutEvent[]): (WebhookType | null)[] {
  let state = initialPayoutState();
  return events.map((event) => {
    const after = evolve(state, event);
    const type = classifyPayoutEvent(state, event, after);
    state = after;
    return type;
  });
}

describe('classifyPayoutEvent', () => {
  const a = invoice('a');
  const b = invoice('b');

  describe('the four explicit types follow their event', () => {
    it('PaymentSettled -> payout.settled', () => {
      expect(typeOfLast([...history.bolt11Claimed(a), ev.settled(a)])).toBe('payout.settled');
    });

    it('PaymentSettled after a 520 and a pending status check -> payout.settled', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.unknown(a), ev.statusChecked(a, 'pending'), ev.pending(a), ev.settled(a)])).toBe(
        'payout.settled',
      );
    });

    it('RetryQueued -> payout.retry_queued', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.failed(a, true), ev.retryQueued()])).toBe('payout.retry_queued');
    });

    it('a wait for the wallet (RetryQueued with a cause) is announced when it holds the order back, not again while it waits', () => {
      const short = (atMs: number): PayoutEvent => ({
        type: 'RetryQueued',
        data: {
          reason: 'wallet short: balance 0 msat cannot cover 21210000 msat',
          nextAttemptAt: iso(atMs),
          queuedAt: iso(atMs),
          cause: 'wallet_short',
        },
      });
      const waiting = [...history.addressResolved(a), short(0)];
      expect(typeOfLast(waiting)).toBe('payout.retry_queued');
      expect(typeOfLast([...waiting, short(MIN)])).toBeNull();
      expect(typeOfLast([...history.addressResolved(a), ev.retryQueued(), short(0)])).toBeNull();
    });

    it('PayoutCancelled -> payout.cancelled', () => {
      expect(typeOfLast([...history.addressSubmitted(), ev.cancelled()])).toBe('payout.cancelled');
    });

    it('PayoutEscalated -> payout.needs_attention', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.unknown(a), ev.escalated()])).toBe('payout.needs_attention');
    });
  });

  describe('payout.failed: the event that moves the payout into FAILED', () => {
    it('a permanent DestinationRejected', () => {
      expect(typeOfLast([...history.addressSubmitted(), ev.destinationRejected(true)])).toBe('payout.failed');
    });

    it('not a transient DestinationRejected (the address is tried again)', () => {
      expect(typeOfLast([...history.addressSubmitted(), ev.destinationRejected(false)])).toBeNull();
    });

    it('a PaymentFailed no new invoice can cure', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.failed(a, false)])).toBe('payout.failed');
    });

    it('not a PaymentFailed of a Lightning Address that a new invoice may cure (it is re-resolved)', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.failed(a, true)])).toBeNull();
    });

    it('a PaymentFailed of a raw BOLT11, even when a new invoice may help (the customer must give it)', () => {
      expect(typeOfLast([...history.bolt11Claimed(a), ev.failed(a, true)])).toBe('payout.failed');
    });

    it('an InvoiceExpired that leaves a raw BOLT11 payout with nothing to pay', () => {
      expect(typeOfLast([...history.bolt11Submitted(a), ev.invoiceExpired(a)])).toBe('payout.failed');
    });

    it('not an InvoiceExpired of a Lightning Address (a new invoice is fetched)', () => {
      expect(typeOfLast([...history.addressResolved(a), ev.invoiceExpired(a)])).toBeNull();
    });

    it('not an InvoiceExpired while the expired hash could still settle, but the PaymentNotFound that kills it', () => {
      const stream = [...history.bolt11Claimed(a), ev.unknown(a), ev.invoiceExpired(a), ev.notFound(a)];
      expect(typesOf(stream).slice(-3)).toEqual([null, null, 'payout.failed']);
    });

    it('an EscalationCleared that lands in FAILED (the customer still owes a destination)', () => {
      expect(typeOfLast([...history.addressClaimed(a), ev.failed(a, false), ev.escalated(), ev.escalationCleared()])).toBe('payout.failed');
    });

    it('is announced once: a second failing event while already FAILED says nothing new', () => {
      const stream = [...history.addressSubmitted(), ev.destinationRejected(true), ev.destinationRejected(true)];
      expect(typesOf(stream).slice(-2)).toEqual(['payout.failed', null]);
    });

    it('is announced again after a new destination failed too', () => {
      const stream = [
        ...history.bolt11Claimed(a),
        ev.failed(a, false),
        ev.bolt11Submitted(b, -HOUR + MIN),
        ev.attempted(b, 2),
        ev.failed(b, false),
      ];
      expect(typesOf(stream).filter((type) => type !== null)).toEqual(['payout.failed', 'payout.failed']);
    });
  });

  it('says nothing for the steps the customer need not hear about', () => {
    const stream: PayoutEvent[] = [
      ev.pixConfirmed(),
      ev.addressSubmitted(),
      ev.destinationRejected(false),
      ev.addressResolved(a),
      ev.attempted(a, 1),
      {
        type: 'Payment520',
        data: {
          attempt: 1,
          paymentHash: a.paymentHash,
          source: 'cloudflare',
          httpStatus: 520,
          detail: null,
          lnbitsStatus: null,
          cfRay: 'x',
          receivedAt: iso(-HOUR),
        },
      },
      ev.unknown(a),
      ev.statusChecked(a, 'not_found_within_grace'),
      ev.pending(a),
      ev.statusChecked(a, 'pending'),
      ev.failed(a, true),
      ev.addressResolved(b),
      ev.attempted(b, 2),
      ev.rejected(b),
    ];
    expect(typesOf(stream)).toEqual(stream.map(() => null));
  });

  it('gives one type per customer-visible change along a whole payout', () => {
    const stream = [
      ...history.addressClaimed(a),
      ev.failed(a, true),
      ev.retryQueued(),
      ev.addressResolved(b),
      ev.attempted(b, 2),
      ev.unknown(b),
      ev.escalated(),
      ev.escalationCleared(),
      ev.settled(b),
    ];
    expect(typesOf(stream).filter((type) => type !== null)).toEqual(['payout.retry_queued', 'payout.needs_attention', 'payout.settled']);
  });

  it('never announces an event that does not apply to a payout (no PixConfirmed yet)', () => {
    expect(classifyPayoutEvent(initialPayoutState(), ev.cancelled(), initialPayoutState())).toBeNull();
  });
});

describe('buildWebhookBody', () => {
  it('is exactly { id, type, orderId, occurredAt, payout } with the Payout folded up to the event', () => {
    const a = invoice('a');
    const state = stateOf([...history.addressClaimed(a), ev.settled(a)]);
    const body = buildWebhookBody({
      eventId: 'evt-1',
      type: 'payout.settled',
      orderId: ORDER_ID,
      occurredAt: '2025-07-09T12:00:00.000Z',
      state,
    });
    expect(Object.keys(body)).toEqual(['id', 'type', 'orderId', 'occurredAt', 'payout']);
    expect(body).toEqual({
      id: 'evt-1',
      type: 'payout.settled',
      orderId: ORDER_ID,
      occurredAt: '2025-07-09T12:00:00.000Z',
      payout: toPayoutView(state),
    });
    expect(body.payout).toMatchObject({
      status: 'SETTLED',
      destination: ADDRESS,
      paymentHash: a.paymentHash,
      preimage: 'pre',
      feeMsat: 2000,
    });
  });
});
