import { Invoice } from '../destination/invoice';
import { PayoutCommand } from './payout-commands';
import { PayoutEvent } from './payout-events';
import { nextStep } from './payout-workflow';
import {
  ADDRESS,
  GRACE_MS,
  HOUR,
  MARGIN_MS,
  MIN,
  NOW,
  addressDestination,
  at,
  bolt11Destination,
  cmd,
  ev,
  fold,
  given,
  history,
  invoice,
  iso,
  out,
  produce,
  run,
  st,
  stateOf,
  TIMINGS,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');
const RAW2 = invoice('RAW2');

const next = (events: PayoutEvent[], now = NOW) => nextStep(fold(events), now, TIMINGS);
/** Rule 8: a 404 counts once seen twice, a quarter of the grace apart, the later past the grace. */
const notFoundTwice = (inv: Invoice, endMs = GRACE_MS): [PayoutCommand, Date][] => [
  [cmd.status(inv, st.notFound()), at(endMs - GRACE_MS / 2)],
  [cmd.status(inv, st.notFound()), at(endMs)],
];
/** The state's record of a hash, as nextStep hands it out. */
const recordOf = (events: PayoutEvent[], inv: Invoice) => stateOf(events).hashes[inv.paymentHash];

describe('nextStep', () => {
  describe('nothing to do', () => {
    it.each<[string, PayoutEvent[], string]>([
      ['no payout', [], 'no such payout'],
      ['settled', [...history.addressClaimed(A), ev.settled(A)], 'settled'],
      ['cancelled', [...history.addressResolved(A), ev.cancelled()], 'cancelled'],
      ['awaiting a destination', history.confirmed(), 'awaiting destination'],
      ['escalated, no live hash', [...history.addressResolved(A), ev.escalated()], 'needs attention'],
      ['permanent resolution failure', [...history.addressSubmitted(), ev.destinationRejected(true)], 'awaiting a new destination'],
      [
        'failure no new invoice cures (its hash re-checked since)',
        [...history.addressClaimed(A), ev.failed(A, false), ev.rechecked(A, 'failed', 0)],
        'awaiting a new destination',
      ],
      [
        'raw BOLT11 failed (its hash re-checked since)',
        [...history.bolt11Claimed(RAW), ev.failed(RAW, true), ev.rechecked(RAW, 'failed', 0)],
        'awaiting a new invoice',
      ],
      ['raw BOLT11 expired', [...history.bolt11Submitted(RAW), ev.invoiceExpired(RAW)], 'awaiting a new invoice'],
    ])('%s -> none', (_name, events, reason) => {
      expect(next(events)).toEqual({ kind: 'none', reason });
    });
  });

  describe('a hash that could still settle is only resolved by a status check (rule 3)', () => {
    it.each<[string, PayoutEvent[]]>([
      ['in flight (crash between claim and answer, rule 6)', history.addressClaimed(A)],
      ['pending', [...history.addressClaimed(A), ev.pending(A)]],
      ['unknown', [...history.addressClaimed(A), ev.unknown(A)]],
      ['404 within grace', [...history.addressClaimed(A), ev.statusChecked(A, 'not_found_within_grace')]],
      ['unknown and RETRY_QUEUED', [...history.addressClaimed(A), ev.unknown(A), ev.retryQueued()]],
      ['unknown and escalated', [...history.addressClaimed(A), ev.unknown(A), ev.escalated()]],
      ['pending on a raw BOLT11', [...history.bolt11Claimed(RAW), ev.pending(RAW)]],
    ])('%s -> check_status', (_name, events) => {
      const step = next(events);
      expect(step.kind).toBe('check_status');
      if (step.kind === 'check_status')
        expect(step.payment.paymentHash).toBe(events.find((e) => e.type === 'PaymentAttempted')?.data.paymentHash);
    });

    it('even with an expired invoice, never expire or resolve while a hash is live', () => {
      const shortLived = invoice('A', { expiresAt: iso(-MIN) });
      expect(next([...history.addressClaimed(shortLived), ev.unknown(shortLived)]).kind).toBe('check_status');
    });
  });

  describe('progress', () => {
    it('an address without an invoice -> resolve it', () => {
      expect(next(history.addressSubmitted())).toEqual({ kind: 'resolve', address: ADDRESS });
    });

    it('after a transient resolution failure, or RETRY_QUEUED -> resolve again', () => {
      expect(next([...history.addressSubmitted(), ev.destinationRejected(false)])).toEqual({ kind: 'resolve', address: ADDRESS });
      expect(next([...history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued()])).toEqual({
        kind: 'resolve',
        address: ADDRESS,
      });
    });

    it('an unclaimed invoice -> pay it', () => {
      expect(next(history.addressResolved(A))).toEqual({ kind: 'pay', invoice: A });
      expect(next(history.bolt11Submitted(RAW))).toEqual({ kind: 'pay', invoice: RAW });
    });

    it('after the escalation is cleared -> pay again', () => {
      expect(next([...history.addressResolved(A), ev.escalated(), ev.escalationCleared()])).toEqual({ kind: 'pay', invoice: A });
    });

    it('the margin boundary: exactly the margin left -> pay; one millisecond less -> expire_invoice', () => {
      const inv = invoice('A', { expiresAt: iso(MARGIN_MS) });
      expect(next(history.addressResolved(inv), NOW)).toEqual({ kind: 'pay', invoice: inv });
      expect(next(history.addressResolved(inv), at(1))).toEqual({ kind: 'expire_invoice', paymentHash: inv.paymentHash });
    });
  });

  describe('retry rules (docs/architecture.md, rule 4)', () => {
    it('after PaymentNotFound with an unexpired invoice -> pay the SAME invoice; the claim is attempt + 1 of the same hash', () => {
      const stream = run(history.addressClaimed(A, 1, 0), ...notFoundTwice(A));
      expect(stateOf(stream).status).toBe('PAYING');
      const step = next(stream, at(GRACE_MS));
      expect(step).toEqual({ kind: 'pay', invoice: A });
      given(stream)
        .when(cmd.claim(A), at(GRACE_MS))
        .then([
          {
            type: 'PaymentAttempted',
            data: { attempt: 2, paymentHash: A.paymentHash, bolt11: A.bolt11, amountMsat: A.amountMsat, attemptedAt: iso(GRACE_MS) },
          },
        ]);
    });

    it('the same for a raw BOLT11 after PaymentNotFound', () => {
      const stream = run(history.bolt11Claimed(RAW, 1, 0), ...notFoundTwice(RAW));
      expect(next(stream, at(GRACE_MS))).toEqual({ kind: 'pay', invoice: RAW });
    });

    describe('after PaymentNotFound with the invoice inside the margin', () => {
      const inv = invoice('A', { expiresAt: iso(GRACE_MS + MARGIN_MS / 2) });
      const rawInv = invoice('RAW', { expiresAt: iso(GRACE_MS + MARGIN_MS / 2) });
      const checkAt = at(GRACE_MS);
      const expiry = GRACE_MS + MARGIN_MS / 2;
      /** A sent invoice is abandoned only 60 s after its expiry (rule 8). */
      const expiredAt = at(expiry + MIN);

      it('re-sends the same invoice while it is unexpired: a new one could be paid beside a late first request', () => {
        const stream = run(history.addressClaimed(inv, 1, 0), ...notFoundTwice(inv));
        expect(next(stream, checkAt)).toEqual({ kind: 'pay', invoice: inv });
      });

      it('an address, once the invoice really expired: expire_invoice, then resolve, then pay the new invoice', () => {
        let stream = run(history.addressClaimed(inv, 1, 0), ...notFoundTwice(inv));
        expect(next(stream, at(expiry))).toEqual({
          kind: 'none',
          reason: 'the sent invoice expired; it is abandoned once its expiry slack has passed',
        });
        expect(next(stream, at(expiry + MIN - 1)).kind).toBe('none');
        expect(next(stream, expiredAt)).toEqual({ kind: 'expire_invoice', paymentHash: inv.paymentHash });

        stream = run(stream, [cmd.expire(inv), expiredAt]);
        expect(stateOf(stream).status).toBe('RESOLVING');
        // Rule 8: the dead hash is looked at once more before another hash is minted and claimed.
        expect(next(stream, expiredAt)).toEqual({ kind: 'recheck', payment: recordOf(stream, inv) });
        stream = run(stream, [cmd.recheck(inv, st.notFound()), expiredAt]);
        expect(next(stream, expiredAt)).toEqual({ kind: 'resolve', address: ADDRESS });

        const fresh = invoice('B', { expiresAt: iso(2 * HOUR) });
        stream = run(stream, [cmd.resolveOk(fresh), expiredAt]);
        expect(next(stream, expiredAt)).toEqual({ kind: 'pay', invoice: fresh });
        expect(produce(stream, cmd.claim(fresh), expiredAt)).toEqual([
          {
            type: 'PaymentAttempted',
            data: {
              attempt: 2,
              paymentHash: fresh.paymentHash,
              bolt11: fresh.bolt11,
              amountMsat: fresh.amountMsat,
              attemptedAt: expiredAt.toISOString(),
            },
          },
        ]);
      });

      it('a raw BOLT11, once it really expired: expire_invoice, then none: FAILED, awaiting a new invoice', () => {
        let stream = run(history.bolt11Claimed(rawInv, 1, 0), ...notFoundTwice(rawInv));
        expect(next(stream, checkAt)).toEqual({ kind: 'pay', invoice: rawInv });
        expect(next(stream, expiredAt)).toEqual({ kind: 'expire_invoice', paymentHash: rawInv.paymentHash });
        stream = run(stream, [cmd.expire(rawInv), expiredAt]);
        expect(next(stream, expiredAt)).toEqual({ kind: 'none', reason: expect.stringMatching(/^awaiting a new invoice/) });
        expect(stateOf(stream)).toMatchObject({ status: 'FAILED', lastError: expect.stringContaining('expired') });
      });
    });

    it('after PaymentFailed (a new invoice may help) for an address -> resolve; a new AddressResolved, then claim it', () => {
      let stream = run(history.addressClaimed(A), cmd.outcome(A, out.failed(true, 'no route')));
      expect(next(stream)).toEqual({ kind: 'recheck', payment: recordOf(stream, A) });
      stream = run(stream, cmd.recheck(A, st.failed()));
      expect(next(stream)).toEqual({ kind: 'resolve', address: ADDRESS });
      stream = run(stream, cmd.resolveOk(B));
      expect(stream.at(-1)).toEqual({ type: 'AddressResolved', data: { address: ADDRESS, invoice: B, resolvedAt: NOW.toISOString() } });
      expect(next(stream)).toEqual({ kind: 'pay', invoice: B });
      stream = run(stream, cmd.claim(B));
      expect(stream.at(-1)).toMatchObject({ type: 'PaymentAttempted', data: { attempt: 2, paymentHash: B.paymentHash } });
    });

    it('after PaymentFailed for a raw BOLT11 -> none, FAILED; a new BOLT11 from the customer -> pay it', () => {
      let stream = run(history.bolt11Claimed(RAW), cmd.outcome(RAW, out.failed(true, 'no route')));
      expect(next(stream)).toEqual({ kind: 'none', reason: expect.stringMatching(/^awaiting a new invoice/) });
      expect(stateOf(stream)).toMatchObject({ status: 'FAILED', lastError: 'no route' });
      given(stream).when(cmd.claim(RAW)).thenError('payment_hash_dead');
      stream = run(stream, cmd.submit(bolt11Destination(RAW2)));
      expect(next(stream)).toEqual({ kind: 'recheck', payment: recordOf(stream, RAW) });
      stream = run(stream, cmd.recheck(RAW, st.failed()));
      expect(next(stream)).toEqual({ kind: 'pay', invoice: RAW2 });
    });

    it('after PaymentFailed with newInvoiceMayHelp=false for an address -> none, FAILED', () => {
      const stream = run(history.addressClaimed(A), cmd.outcome(A, out.failed(false, 'payee refuses')));
      expect(next(stream)).toEqual({ kind: 'none', reason: expect.stringMatching(/^awaiting a new destination/) });
      expect(stateOf(stream)).toMatchObject({ status: 'FAILED', lastError: 'payee refuses' });
      given(stream).when(cmd.resolveOk(B)).thenError('invalid_transition');
      const renewed = run(stream, cmd.submit(addressDestination()), cmd.recheck(A, st.failed()));
      expect(next(renewed)).toEqual({ kind: 'resolve', address: ADDRESS });
    });

    it('after a status check found the hash failed -> resolve a new invoice', () => {
      const stream = run(
        history.addressClaimed(A),
        cmd.outcome(A, out.unknown()),
        cmd.status(A, st.failed('no route')),
        cmd.recheck(A, st.failed('no route')),
      );
      expect(next(stream)).toEqual({ kind: 'resolve', address: ADDRESS });
    });

    it('after PaymentRejected -> pay the same invoice again', () => {
      const stream = run(
        history.addressClaimed(A),
        cmd.outcome(A, out.rejected('limit', 'The time limit of 10 seconds between payments has been reached.')),
      );
      expect(next(stream)).toEqual({ kind: 'pay', invoice: A });
      expect(produce(stream, cmd.claim(A))).toEqual([
        expect.objectContaining({ type: 'PaymentAttempted', data: expect.objectContaining({ attempt: 2, paymentHash: A.paymentHash }) }),
      ]);
    });

    it('a re-send answered "failed" -> check_status, not a new invoice (docs/lightning.md: never conclude from a re-POST)', () => {
      const stream = run(
        history.addressClaimed(A, 1, 0),
        ...notFoundTwice(A),
        [cmd.claim(A), at(GRACE_MS)],
        [cmd.outcome(A, out.failed(true, 'Insufficient balance.')), at(GRACE_MS)],
      );
      expect(next(stream, at(GRACE_MS)).kind).toBe('check_status');
    });
  });

  it('following nextStep over a wallet that answers unknown then settles ends SETTLED with one claim', () => {
    let stream = run(history.addressSubmitted());
    let now = 0;
    const answers = [out.unknown(), out.unknown()];
    for (let i = 0; i < 20; i++) {
      const step = nextStep(fold(stream), at(now), TIMINGS);
      if (step.kind === 'none') break;
      if (step.kind === 'resolve') stream = run(stream, [cmd.resolveOk(A), at(now)]);
      if (step.kind === 'pay')
        stream = run(stream, [cmd.claim(step.invoice), at(now)], [cmd.outcome(step.invoice, answers.shift() ?? out.settled()), at(now)]);
      if (step.kind === 'check_status')
        stream = run(stream, [cmd.status(step.payment.paymentHash, i < 4 ? st.pending() : st.settled()), at(now)]);
      if (step.kind === 'expire_invoice') throw new Error('unexpected expiry');
      now += MIN;
    }
    expect(stateOf(stream).status).toBe('SETTLED');
    expect(stream.filter((e) => e.type === 'PaymentAttempted')).toHaveLength(1);
    expect(stream.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
  });
});
