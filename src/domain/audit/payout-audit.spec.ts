import { PayoutEvent } from '../payout/payout-events';
import { E2E_ID, ORDER_ID, SEC, TIMINGS, ev, invoice } from '../payout/payout.fixtures';
import { PayoutAudit, ReservationHolders, checkReservations } from './payout-audit';

const FALLBACK = { ...TIMINGS, claimTimeoutMs: 30 * SEC };

function audit(events: PayoutEvent[], holders: ReservationHolders | null = null) {
  const check = new PayoutAudit(ORDER_ID, FALLBACK);
  events.forEach((event, revision) => check.apply(event, revision));
  const closed = check.close();
  return (holders ? checkReservations(closed, holders) : closed.violations).map((v) => `${v.rule}: ${v.detail}`);
}

describe('PayoutAudit (ledger verify, per order)', () => {
  const a = invoice('a');
  const b = invoice('b');

  it('finds nothing wrong with an order paid once, on its claim, for its amount', () => {
    expect(audit([ev.pixConfirmed(), ev.bolt11Submitted(a), ev.attempted(a, 1), ev.settled(a)])).toEqual([]);
  });

  it('finds a second settlement, and a settlement of a hash never claimed', () => {
    const found = audit([ev.pixConfirmed(), ev.bolt11Submitted(a), ev.attempted(a, 1), ev.settled(a), ev.settled(b)]);
    expect(found).toEqual([
      `settled_twice: #4 settled again on ${b.paymentHash} (first on ${a.paymentHash})`,
      `settled_unclaimed: #4 PaymentSettled on ${b.paymentHash}, never claimed`,
    ]);
  });

  it('finds a claim of a new hash while an earlier one could still settle', () => {
    const found = audit([
      ev.pixConfirmed(),
      ev.bolt11Submitted(a),
      ev.attempted(a, 1),
      ev.unknown(a),
      ev.addressResolved(b),
      ev.attempted(b, 2),
    ]);
    expect(found).toContain(`claim_while_live: #5 claimed ${b.paymentHash} while ${a.paymentHash} could still settle`);
  });

  it('finds a claim for another amount than the order', () => {
    const cheap = invoice('cheap', { amountMsat: 1000 });
    const found = audit([ev.pixConfirmed(), ev.bolt11Submitted(cheap), ev.attempted(cheap, 1)]);
    expect(found).toEqual([expect.stringMatching(/^amount_mismatch: #2 claimed 1000 msat for an order of \d+ msat$/)]);
  });

  it('finds events before PixConfirmed', () => {
    expect(audit([ev.bolt11Submitted(a)])).toEqual(['stream_start: #0 DestinationSubmitted before any PixConfirmed']);
  });

  it('checks that the order holds its own reservations', () => {
    const events = [ev.pixConfirmed(), ev.bolt11Submitted(a)];
    const mine: ReservationHolders = { endToEndId: () => ORDER_ID, paymentHash: () => ORDER_ID };
    expect(audit(events, mine)).toEqual([]);
    const stolen: ReservationHolders = { endToEndId: () => 'ord_other', paymentHash: () => null };
    expect(audit(events, stolen)).toEqual([
      `reservation: end-to-end id ${E2E_ID} is held by ord_other`,
      `reservation: payment hash ${a.paymentHash} is held by nobody`,
    ]);
  });
});
