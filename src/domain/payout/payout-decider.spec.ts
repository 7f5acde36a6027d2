import { PayoutCommand } from './payout-commands';
import { decide } from './payout-decider';
import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import {
  ADDRESS,
  AMOUNT_CENTS,
  AMOUNT_MSAT,
  AMOUNT_SATS,
  E2E_ID,
  GRACE_MS,
  HOUR,
  MIN,
  NOW,
  ORDER_ID,
  PAID_AT,
  addressDestination,
  at,
  bolt11Destination,
  cloudflare520,
  cmd,
  ev,
  given,
  history,
  invoice,
  iso,
  lnbits520,
  out,
  produce,
  run,
  st,
  stateOf,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');
const RAW2 = invoice('RAW2');
const NOW_ISO = NOW.toISOString();

/** Errors the HTTP layer answers with 409 (api.md). */
const CONFLICT_CODES: PayoutErrorCode[] = ['order_conflict', 'destination_locked', 'destination_conflict', 'payment_in_flight', 'already_settled', 'cancelled', 'escalated'];

/** The three ways a hash "could still settle". */
const liveHistories = (inv: typeof A, base: PayoutEvent[]): [string, PayoutEvent[]][] => [
  ['in_flight', [...base, ev.attempted(inv, 1)]],
  ['pending', [...base, ev.attempted(inv, 1), ev.pending(inv)]],
  ['unknown', [...base, ev.attempted(inv, 1), ev.unknown(inv)]],
  ['pending by status check', [...base, ev.attempted(inv, 1), ev.statusChecked(inv, 'pending')]],
  ['404 within grace', [...base, ev.attempted(inv, 1), ev.statusChecked(inv, 'not_found_within_grace')]],
];

describe('decide', () => {
  describe('on an unknown order', () => {
    const commands: PayoutCommand[] = [
      cmd.submit(addressDestination()),
      cmd.resolveOk(A),
      cmd.resolveFail(true),
      cmd.claim(A),
      cmd.outcome(A, out.settled()),
      cmd.status(A, st.settled()),
      cmd.expire(A),
      cmd.queueRetry(),
      cmd.cancel(),
      cmd.escalate(),
      cmd.clearEscalation(),
    ];
    it.each(commands.map((c) => [c.type, c] as const))('%s -> order_not_found', (_type, command) => {
      given().when(command).thenError('order_not_found');
    });

    it('ignores events that come before a PixConfirmed', () => {
      given(ev.addressSubmitted()).when(cmd.claim(A)).thenError('order_not_found');
    });
  });

  // ------------------------------------------------------------------ ConfirmPix
  describe('ConfirmPix', () => {
    const pixConfirmedNow: PayoutEvent = {
      type: 'PixConfirmed',
      data: { orderId: ORDER_ID, endToEndId: E2E_ID, amountCents: AMOUNT_CENTS, amountSats: AMOUNT_SATS, paidAt: PAID_AT, confirmedAt: NOW_ISO },
    };

    describe('a new order', () => {
      it('without a destination -> PixConfirmed, AWAITING_DESTINATION', () => {
        given().when(cmd.confirmPix()).then([pixConfirmedNow]).thenStatus('AWAITING_DESTINATION');
      });

      it('with a Lightning Address -> PixConfirmed + DestinationSubmitted, RESOLVING', () => {
        given()
          .when(cmd.confirmPix(addressDestination()))
          .then([pixConfirmedNow, { type: 'DestinationSubmitted', data: { destination: ADDRESS, kind: 'lightning_address', invoice: null, submittedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('RESOLVING');
            expect(s.destination).toEqual({ value: ADDRESS, kind: 'lightning_address' });
            expect(s.currentInvoice).toBeNull();
          });
      });

      it('with a raw BOLT11 -> PixConfirmed + DestinationSubmitted carrying the invoice, PAYING', () => {
        given()
          .when(cmd.confirmPix(bolt11Destination(RAW)))
          .then([pixConfirmedNow, { type: 'DestinationSubmitted', data: { destination: RAW.bolt11, kind: 'bolt11', invoice: RAW, submittedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('PAYING');
            expect(s.currentInvoice).toEqual(RAW);
          });
      });

      it('with a BOLT11 for another amount -> invoice_mismatch (422: nothing is recorded)', () => {
        given()
          .when(cmd.confirmPix(bolt11Destination(invoice('RAW', { amountMsat: AMOUNT_MSAT + 1000 }))))
          .thenError('invoice_mismatch');
      });

      it('with a BOLT11 one msat off -> invoice_mismatch', () => {
        given()
          .when(cmd.confirmPix(bolt11Destination(invoice('RAW', { amountMsat: AMOUNT_MSAT - 1 }))))
          .thenError('invoice_mismatch');
      });
    });

    describe('a replay of an existing order', () => {
      it('with the same values and no destination -> nothing', () => {
        given(history.confirmed()).when(cmd.confirmPix()).thenNothing();
      });

      it('with the same values and the same address -> nothing', () => {
        given(history.addressSubmitted()).when(cmd.confirmPix(addressDestination())).thenNothing();
      });

      it('with the same values and the same BOLT11 -> nothing', () => {
        given(history.bolt11Submitted(RAW)).when(cmd.confirmPix(bolt11Destination(RAW))).thenNothing();
      });

      it('without the destination it was first sent with -> nothing', () => {
        given(history.addressSubmitted()).when(cmd.confirmPix()).thenNothing();
      });

      it('with the same destination, even once the payout is settled -> nothing (200, replay is safe)', () => {
        given(history.addressClaimed(A), ev.settled(A)).when(cmd.confirmPix(addressDestination())).thenNothing();
      });

      it('adding an address to an AWAITING_DESTINATION order -> DestinationSubmitted only', () => {
        given(history.confirmed())
          .when(cmd.confirmPix(addressDestination()))
          .then([{ type: 'DestinationSubmitted', data: { destination: ADDRESS, kind: 'lightning_address', invoice: null, submittedAt: NOW_ISO } }])
          .thenStatus('RESOLVING');
      });

      it('adding a BOLT11 to an AWAITING_DESTINATION order -> DestinationSubmitted only', () => {
        given(history.confirmed())
          .when(cmd.confirmPix(bolt11Destination(RAW)))
          .then([{ type: 'DestinationSubmitted', data: { destination: RAW.bolt11, kind: 'bolt11', invoice: RAW, submittedAt: NOW_ISO } }])
          .thenStatus('PAYING');
      });

      it('adding a BOLT11 for another amount -> invoice_mismatch', () => {
        given(history.confirmed())
          .when(cmd.confirmPix(bolt11Destination(invoice('RAW', { amountMsat: 1000 }))))
          .thenError('invoice_mismatch');
      });

      it.each([
        ['endToEndId', { endToEndId: 'E18236120202507091200s0123456780' }],
        ['amountCents', { amountCents: AMOUNT_CENTS + 1 }],
        ['amountSats', { amountSats: AMOUNT_SATS + 1 }],
        ['paidAt', { paidAt: '2025-07-09T11:59:01Z' }],
      ])('with a different %s -> order_conflict', (_field, overrides) => {
        given(history.addressSubmitted()).when(cmd.confirmPix(addressDestination(), overrides)).thenError('order_conflict');
      });

      it('with different values and no destination -> order_conflict', () => {
        given(history.confirmed()).when(cmd.confirmPix(null, { amountSats: 1 })).thenError('order_conflict');
      });

      it('with different values and a new destination -> order_conflict, not a destination change', () => {
        given(history.confirmed()).when(cmd.confirmPix(addressDestination(), { amountCents: 1 })).thenError('order_conflict');
      });

      it.each([
        ['2025-07-09T11:59:00Z'],
        ['2025-07-09T11:59:00.000Z'],
        ['2025-07-09T11:59:00.000000Z'],
        ['2025-07-09T11:59:00+00:00'],
        ['2025-07-09T08:59:00-03:00'],
        ['2025-07-09T14:59:00.000+03:00'],
      ])('with paidAt spelled %s (the same instant) -> nothing', (paidAt) => {
        given(history.addressSubmitted()).when(cmd.confirmPix(addressDestination(), { paidAt })).thenNothing();
      });

      it('with a paidAt one millisecond apart -> order_conflict', () => {
        given(history.confirmed()).when(cmd.confirmPix(null, { paidAt: '2025-07-09T11:59:00.001Z' })).thenError('order_conflict');
      });

      it.each([
        ['another address', history.addressSubmitted(), addressDestination('bob@example.com')],
        ['a BOLT11 instead of the address', history.addressSubmitted(), bolt11Destination(RAW)],
        ['an address instead of the BOLT11', history.bolt11Submitted(RAW), addressDestination()],
        ['another BOLT11', history.bolt11Submitted(RAW), bolt11Destination(RAW2)],
      ])('with %s after one is set -> destination_conflict', (_name, events, destination) => {
        given(events).when(cmd.confirmPix(destination)).thenError('destination_conflict');
      });

      it('with another destination while FAILED -> destination_conflict (the bot must PUT it)', () => {
        given(history.addressSubmitted(), ev.destinationRejected(true)).when(cmd.confirmPix(addressDestination('bob@example.com'))).thenError('destination_conflict');
      });

      it('adding a destination to a cancelled order that never had one -> destination_conflict', () => {
        given(history.confirmed(), ev.cancelled()).when(cmd.confirmPix(addressDestination())).thenError('destination_conflict');
      });
    });
  });

  // ------------------------------------------------------------------ SubmitDestination
  describe('SubmitDestination', () => {
    const submittedNow = (destination = ADDRESS): PayoutEvent => ({
      type: 'DestinationSubmitted',
      data: { destination, kind: 'lightning_address', invoice: null, submittedAt: NOW_ISO },
    });
    const bolt11SubmittedNow = (inv = RAW): PayoutEvent => ({
      type: 'DestinationSubmitted',
      data: { destination: inv.bolt11, kind: 'bolt11', invoice: inv, submittedAt: NOW_ISO },
    });

    describe('allowed while AWAITING_DESTINATION', () => {
      it('an address -> RESOLVING', () => {
        given(history.confirmed()).when(cmd.submit(addressDestination())).then([submittedNow()]).thenStatus('RESOLVING');
      });

      it('a BOLT11 -> PAYING', () => {
        given(history.confirmed()).when(cmd.submit(bolt11Destination(RAW))).then([bolt11SubmittedNow()]).thenStatus('PAYING');
      });

      it('a BOLT11 for another amount -> invoice_mismatch', () => {
        given(history.confirmed()).when(cmd.submit(bolt11Destination(invoice('RAW', { amountMsat: 1 })))).thenError('invoice_mismatch');
      });
    });

    describe('allowed while FAILED', () => {
      it('after a permanent resolution failure: a new address clears the error -> RESOLVING', () => {
        given(history.addressSubmitted(), ev.destinationRejected(true, 'no such user'))
          .when(cmd.submit(addressDestination('bob@example.com')))
          .then([submittedNow('bob@example.com')])
          .thenState((s) => {
            expect(s.status).toBe('RESOLVING');
            expect(s.lastError).toBeNull();
            expect(s.needsNewDestination).toBe(false);
          });
      });

      it('after a permanent resolution failure: the same address again is accepted (the customer fixed it)', () => {
        given(history.addressSubmitted(), ev.destinationRejected(true)).when(cmd.submit(addressDestination())).then([submittedNow()]).thenStatus('RESOLVING');
      });

      it('after a failure no new invoice cures: a BOLT11 instead -> PAYING', () => {
        given(history.addressClaimed(A), ev.failed(A, false))
          .when(cmd.submit(bolt11Destination(RAW)))
          .then([bolt11SubmittedNow()])
          .thenStatus('PAYING');
      });

      it('after the raw BOLT11 failed: a new BOLT11 -> PAYING', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true)).when(cmd.submit(bolt11Destination(RAW2))).then([bolt11SubmittedNow(RAW2)]).thenStatus('PAYING');
      });

      it('after the raw BOLT11 failed: an address instead -> RESOLVING', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true)).when(cmd.submit(addressDestination())).then([submittedNow()]).thenStatus('RESOLVING');
      });

      it('after the raw BOLT11 expired unpaid: a new BOLT11 -> PAYING', () => {
        given(history.bolt11Submitted(RAW), ev.invoiceExpired(RAW)).when(cmd.submit(bolt11Destination(RAW2))).then([bolt11SubmittedNow(RAW2)]).thenStatus('PAYING');
      });

      it('re-submitting the raw BOLT11 whose hash failed -> payment_hash_dead', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true)).when(cmd.submit(bolt11Destination(RAW))).thenError('payment_hash_dead');
      });

      it('re-submitting a BOLT11 whose hash this order already used (404 then expired) -> invoice_mismatch', () => {
        given(history.bolt11Claimed(RAW), ev.notFound(RAW), ev.invoiceExpired(RAW)).when(cmd.submit(bolt11Destination(RAW))).thenError('invoice_mismatch');
      });

      it('a BOLT11 carrying the hash of an earlier failed invoice of an address -> payment_hash_dead', () => {
        given(history.addressClaimed(A), ev.failed(A, false)).when(cmd.submit(bolt11Destination(A))).thenError('payment_hash_dead');
      });

      it('a BOLT11 for another amount -> invoice_mismatch', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true)).when(cmd.submit(bolt11Destination(invoice('RAW2', { amountMsat: 5 })))).thenError('invoice_mismatch');
      });
    });

    describe('refused (409-class) otherwise', () => {
      it('when settled -> already_settled', () => {
        given(history.addressClaimed(A), ev.settled(A)).when(cmd.submit(addressDestination('bob@example.com'))).thenError('already_settled');
      });

      it('when settled, even with the same destination -> already_settled', () => {
        given(history.addressClaimed(A), ev.settled(A)).when(cmd.submit(addressDestination())).thenError('already_settled');
      });

      it('when cancelled -> cancelled', () => {
        given(history.confirmed(), ev.cancelled()).when(cmd.submit(addressDestination())).thenError('cancelled');
      });

      describe.each([
        ['address', A, history.addressResolved(A)],
        ['raw BOLT11', RAW, history.bolt11Submitted(RAW)],
      ])('for an %s payout', (_kind, inv, base) => {
        it.each(liveHistories(inv, base))('while a hash is %s -> payment_in_flight', (_live, events) => {
          given(events).when(cmd.submit(bolt11Destination(RAW2))).thenError('payment_in_flight');
        });
      });

      it('while a hash is live and the payout is escalated -> payment_in_flight', () => {
        given(history.addressClaimed(A), ev.unknown(A), ev.escalated()).when(cmd.submit(addressDestination('bob@example.com'))).thenError('payment_in_flight');
      });

      it.each<[string, PayoutEvent[]]>([
        ['RESOLVING', history.addressSubmitted()],
        ['RESOLVING after a transient resolution failure', [...history.addressSubmitted(), ev.destinationRejected(false)]],
        ['PAYING with a resolved invoice', history.addressResolved(A)],
        ['PAYING with a raw BOLT11', history.bolt11Submitted(RAW)],
        ['PAYING after a 404 (same invoice will be re-sent)', [...history.addressClaimed(A), ev.notFound(A)]],
        ['PAYING after a rejected request', [...history.addressClaimed(A), ev.rejected(A)]],
        ['RETRY_QUEUED', [...history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued()]],
        ['NEEDS_ATTENTION', [...history.addressResolved(A), ev.escalated()]],
        ['NEEDS_ATTENTION while awaiting a new destination', [...history.addressSubmitted(), ev.destinationRejected(true), ev.escalated()]],
      ])('while %s -> destination_locked', (_name, events) => {
        given(events).when(cmd.submit(bolt11Destination(RAW2))).thenError('destination_locked');
      });

      it('every refusal above is a 409-class code', () => {
        for (const code of ['already_settled', 'cancelled', 'payment_in_flight', 'destination_locked'] as const) expect(CONFLICT_CODES).toContain(code);
      });
    });
  });

  // ------------------------------------------------------------------ RecordResolution
  describe('RecordResolution', () => {
    it('ok -> AddressResolved with the invoice, PAYING', () => {
      given(history.addressSubmitted())
        .when(cmd.resolveOk(A))
        .then([{ type: 'AddressResolved', data: { address: ADDRESS, invoice: A, resolvedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('PAYING');
          expect(s.currentInvoice).toEqual(A);
        });
    });

    it('permanent failure -> DestinationRejected(permanent), FAILED with lastError', () => {
      given(history.addressSubmitted())
        .when(cmd.resolveFail(true, 'no such user'))
        .then([{ type: 'DestinationRejected', data: { destination: ADDRESS, reason: 'no such user', permanent: true, rejectedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('FAILED');
          expect(s.lastError).toBe('no such user');
          expect(s.needsNewDestination).toBe(true);
        });
    });

    it('transient failure -> DestinationRejected(transient), stays RESOLVING with lastError', () => {
      given(history.addressSubmitted())
        .when(cmd.resolveFail(false, 'LNURL server timed out'))
        .then([{ type: 'DestinationRejected', data: { destination: ADDRESS, reason: 'LNURL server timed out', permanent: false, rejectedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('RESOLVING');
          expect(s.lastError).toBe('LNURL server timed out');
        });
    });

    it('transient failure then QueueRetry -> RETRY_QUEUED; then a successful resolution -> PAYING', () => {
      const stream = run(history.addressSubmitted(), cmd.resolveFail(false, 'timeout'));
      given(stream)
        .when(cmd.queueRetry('LNURL retries exhausted', 5 * MIN))
        .then([{ type: 'RetryQueued', data: { reason: 'LNURL retries exhausted', nextAttemptAt: iso(5 * MIN), queuedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('RETRY_QUEUED');
          expect(s.lastError).toBe('LNURL retries exhausted');
          expect(s.retryQueuedUntil).toBe(iso(5 * MIN));
        });
      const queued = run(stream, cmd.queueRetry());
      given(queued).when(cmd.resolveOk(A), at(5 * MIN)).thenState((s) => {
        expect(s.status).toBe('PAYING');
        expect(s.retryQueuedUntil).toBeNull();
      });
    });

    it('a permanent failure after a transient one -> FAILED', () => {
      given(history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued()).when(cmd.resolveFail(true, 'gone')).thenStatus('FAILED');
    });

    it('for an address that is no longer the destination (stale) -> invalid_transition', () => {
      given(history.addressSubmitted()).when(cmd.resolveOk(A, 'bob@example.com')).thenError('invalid_transition');
    });

    it('for the old address after the customer gave a new one -> invalid_transition', () => {
      given(history.addressSubmitted(), ev.destinationRejected(true), ev.addressSubmitted('bob@example.com')).when(cmd.resolveFail(true, 'x', ADDRESS)).thenError('invalid_transition');
    });

    it('when the destination is a raw BOLT11 -> invalid_transition', () => {
      given(history.bolt11Submitted(RAW)).when(cmd.resolveOk(A, RAW.bolt11)).thenError('invalid_transition');
    });

    it('when no destination was given -> invalid_transition', () => {
      given(history.confirmed()).when(cmd.resolveOk(A)).thenError('invalid_transition');
    });

    it('when the payout waits for a new destination -> invalid_transition', () => {
      given(history.addressSubmitted(), ev.destinationRejected(true)).when(cmd.resolveOk(A)).thenError('invalid_transition');
    });

    it('when the current invoice is still usable -> invalid_transition (no new hash without need)', () => {
      given(history.addressResolved(A)).when(cmd.resolveOk(B)).thenError('invalid_transition');
    });

    it('after a 404 while the same invoice can still be re-sent -> invalid_transition', () => {
      given(history.addressClaimed(A), ev.notFound(A)).when(cmd.resolveOk(B)).thenError('invalid_transition');
    });

    it.each(liveHistories(A, history.addressResolved(A)))('while an earlier hash could still settle (%s) -> payment_in_flight', (_name, events) => {
      given(events).when(cmd.resolveOk(B)).thenError('payment_in_flight');
    });

    it('a failed resolution while a hash could still settle -> payment_in_flight', () => {
      given(history.addressClaimed(A), ev.unknown(A)).when(cmd.resolveFail(true)).thenError('payment_in_flight');
    });

    it('after a definite failure that a new invoice may cure -> a new AddressResolved', () => {
      given(history.addressClaimed(A), ev.failed(A, true))
        .when(cmd.resolveOk(B))
        .then([{ type: 'AddressResolved', data: { address: ADDRESS, invoice: B, resolvedAt: NOW_ISO } }])
        .thenState((s) => expect(s.currentInvoice).toEqual(B));
    });

    it('after the invoice was expired -> a new AddressResolved', () => {
      given(history.addressClaimed(A), ev.notFound(A), ev.invoiceExpired(A)).when(cmd.resolveOk(B)).thenStatus('PAYING');
    });

    // A server stuck on a dead invoice is recorded and counted (it retries, then escalates), never a silent loop.
    it('an invoice reusing a hash that failed -> DestinationRejected (transient), the invoice is not taken', () => {
      given(history.addressClaimed(A), ev.failed(A, true))
        .when(cmd.resolveOk(invoice('A', { bolt11: 'lnbc-other' })))
        .then([
          {
            type: 'DestinationRejected',
            data: { destination: ADDRESS, reason: `${ADDRESS} handed out invoice ${A.paymentHash} again, which this order already used; a new invoice is needed`, permanent: false, rejectedAt: NOW_ISO },
          },
        ])
        .thenState((s) => {
          expect(s.currentInvoice).toBeNull();
          expect(s.lastError).toContain('again');
        });
    });

    it('an invoice reusing a hash the order already used (404 then expired) -> DestinationRejected (transient)', () => {
      given(history.addressClaimed(A), ev.notFound(A), ev.invoiceExpired(A)).when(cmd.resolveOk(A)).thenState((s, events) => {
        expect(events).toMatchObject([{ type: 'DestinationRejected', data: { permanent: false } }]);
        expect(s.status).toBe('RESOLVING');
      });
    });

    it('an invoice for another amount -> DestinationRejected (permanent): the customer must give another destination', () => {
      given(history.addressSubmitted())
        .when(cmd.resolveOk(invoice('A', { amountMsat: AMOUNT_MSAT * 2 })))
        .thenState((s, events) => {
          expect(events).toMatchObject([{ type: 'DestinationRejected', data: { permanent: true } }]);
          expect(s.status).toBe('FAILED');
        });
    });

    it.each<[string, PayoutErrorCode, PayoutEvent[]]>([
      ['settled', 'already_settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', 'cancelled', [...history.addressSubmitted(), ev.cancelled()]],
      ['escalated', 'escalated', [...history.addressSubmitted(), ev.escalated()]],
    ])('when %s -> %s', (_name, code, events) => {
      given(events).when(cmd.resolveOk(B)).thenError(code);
    });
  });

  // ------------------------------------------------------------------ ClaimPayment
  describe('ClaimPayment', () => {
    it('the current invoice -> PaymentAttempted #1, PAYING with the hash in flight', () => {
      given(history.addressResolved(A))
        .when(cmd.claim(A))
        .then([{ type: 'PaymentAttempted', data: { attempt: 1, paymentHash: A.paymentHash, bolt11: A.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('PAYING');
          expect(s.attempts).toBe(1);
          expect(s.hashes[A.paymentHash]).toMatchObject({ outcome: 'in_flight', lastAttempt: 1, lastAttemptedAt: NOW_ISO, invoice: A });
        });
    });

    it('a raw BOLT11 -> PaymentAttempted #1', () => {
      given(history.bolt11Submitted(RAW)).when(cmd.claim(RAW)).thenState((_s, events) => {
        expect(events).toEqual([{ type: 'PaymentAttempted', data: { attempt: 1, paymentHash: RAW.paymentHash, bolt11: RAW.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO } }]);
      });
    });

    it('attempt numbers increase across hashes and re-sends of one hash', () => {
      const attempts = (events: PayoutEvent[]): number[] =>
        events.flatMap((e) => (e.type === 'PaymentAttempted' ? [e.data.attempt] : []));
      const stream = run(
        history.addressResolved(A),
        cmd.claim(A), // #1
        cmd.outcome(A, out.rejected()),
        cmd.claim(A), // #2, same hash after a rejected request
        [cmd.status(A, st.notFound()), at(GRACE_MS / 2)],
        [cmd.status(A, st.notFound()), at(GRACE_MS)], // seen twice, far enough apart: the 404 counts
        [cmd.claim(A), at(GRACE_MS)], // #3, same hash after a 404
        [cmd.outcome(A, out.failed(true)), at(GRACE_MS)], // a re-send's failure is not trusted...
        [cmd.status(A, st.failed()), at(GRACE_MS + MIN)], // ...until the status endpoint confirms it
        [cmd.resolveOk(B), at(GRACE_MS + MIN)],
        [cmd.recheck(A, st.failed()), at(GRACE_MS + MIN)], // rule 8: one more look before another hash
        [cmd.claim(B), at(GRACE_MS + MIN)], // #4, new hash
      );
      expect(attempts(stream)).toEqual([1, 2, 3, 4]);
      expect(stateOf(stream).attempts).toBe(4);
    });

    describe.each([
      ['address', A, history.addressResolved(A)],
      ['raw BOLT11', RAW, history.bolt11Submitted(RAW)],
    ])('for an %s payout', (_kind, inv, base) => {
      it.each(liveHistories(inv, base))('while the hash is %s -> payment_in_flight (no second claim)', (_name, events) => {
        given(events).when(cmd.claim(inv)).thenError('payment_in_flight');
      });
    });

    it('a concurrent second claim on the same state is refused once the first is appended', () => {
      const base = history.addressResolved(A);
      const first = produce(base, cmd.claim(A));
      given(base, first).when(cmd.claim(A)).thenError('payment_in_flight');
    });

    it('a failed hash -> payment_hash_dead', () => {
      given(history.addressClaimed(A), ev.failed(A, true)).when(cmd.claim(A)).thenError('payment_hash_dead');
    });

    it('a failed raw BOLT11 -> payment_hash_dead', () => {
      given(history.bolt11Claimed(RAW), ev.failed(RAW, true)).when(cmd.claim(RAW)).thenError('payment_hash_dead');
    });

    it('an invoice that is not the current one -> invalid_transition', () => {
      given(history.addressResolved(A)).when(cmd.claim(B)).thenError('invalid_transition');
    });

    it('an older invoice after a new one was resolved -> refused', () => {
      given(history.addressClaimed(A), ev.failed(A, true), ev.addressResolved(B)).when(cmd.claim(A)).thenError('payment_hash_dead');
    });

    it('the current hash with another bolt11 or amount -> invalid_transition (only the stored invoice is paid)', () => {
      given(history.addressResolved(A)).when(cmd.claim(invoice('A', { amountMsat: AMOUNT_MSAT * 2 }))).thenError('invalid_transition');
      given(history.addressResolved(A)).when(cmd.claim(invoice('A', { bolt11: 'lnbc-forged' }))).thenError('invalid_transition');
    });

    it('the current hash with another expiry than stored -> invalid_transition (the stored expiry is the truth)', () => {
      const short = invoice('A', { expiresAt: iso(-1) });
      given(history.addressResolved(short)).when(cmd.claim({ ...short, expiresAt: iso(HOUR) })).thenError('invalid_transition');
    });

    it('an invoice expiring exactly now -> invoice_expired', () => {
      const inv = invoice('A', { expiresAt: NOW_ISO });
      given(history.addressResolved(inv)).when(cmd.claim(inv)).thenError('invoice_expired');
    });

    it('an invoice expiring one millisecond from now -> still claimable', () => {
      const inv = invoice('A', { expiresAt: iso(1) });
      given(history.addressResolved(inv)).when(cmd.claim(inv)).thenStatus('PAYING');
    });

    it('an expired raw BOLT11 -> invoice_expired', () => {
      const inv = invoice('RAW', { expiresAt: iso(-MIN) });
      given(history.bolt11Submitted(inv)).when(cmd.claim(inv)).thenError('invoice_expired');
    });

    it('after a 404 with the invoice unexpired -> the same hash may be claimed again (attempt + 1)', () => {
      given(history.addressClaimed(A), ev.notFound(A))
        .when(cmd.claim(A))
        .then([{ type: 'PaymentAttempted', data: { attempt: 2, paymentHash: A.paymentHash, bolt11: A.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO } }]);
    });

    it('after a rejected request -> the same hash may be claimed again', () => {
      given(history.addressClaimed(A), ev.rejected(A)).when(cmd.claim(A)).thenState((s) => expect(s.hashes[A.paymentHash].lastAttempt).toBe(2));
    });

    it('while RETRY_QUEUED -> allowed (the sweep re-issues the claim), back to PAYING', () => {
      given(history.addressResolved(A), ev.retryQueued()).when(cmd.claim(A)).thenState((s) => {
        expect(s.status).toBe('PAYING');
        expect(s.retryQueuedUntil).toBeNull();
      });
    });

    it.each<[string, PayoutErrorCode, PayoutEvent[]]>([
      ['settled', 'already_settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', 'cancelled', [...history.addressResolved(A), ev.cancelled()]],
      ['escalated', 'escalated', [...history.addressResolved(A), ev.escalated()]],
      ['awaiting a new destination (permanent rejection)', 'invalid_transition', [...history.addressSubmitted(), ev.destinationRejected(true)]],
      ['awaiting a new destination (failure no invoice cures)', 'payment_hash_dead', [...history.addressClaimed(A), ev.failed(A, false)]],
      ['awaiting a destination', 'invalid_transition', history.confirmed()],
      ['resolving', 'invalid_transition', history.addressSubmitted()],
      ['the invoice was expired', 'invalid_transition', [...history.addressResolved(A), ev.invoiceExpired(A)]],
    ])('when %s -> %s', (_name, code, events) => {
      given(events).when(cmd.claim(A)).thenError(code);
    });

    it('when awaiting a new destination, even a fresh invoice -> invalid_transition', () => {
      given(history.addressClaimed(A), ev.failed(A, false)).when(cmd.claim(B)).thenError('invalid_transition');
    });
  });

  // ------------------------------------------------------------------ RecordPaymentOutcome
  describe('RecordPaymentOutcome', () => {
    const claimed = history.addressClaimed(A, 1, -MIN);

    describe('without an HTTP 520', () => {
      it('settled -> PaymentSettled, SETTLED', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(undefined, 'ab'.repeat(32), 3000)))
          .then([{ type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'ab'.repeat(32), feeMsat: 3000, settledAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('SETTLED');
            expect(s.settlement).toEqual({ paymentHash: A.paymentHash, preimage: 'ab'.repeat(32), feeMsat: 3000, settledAt: NOW_ISO });
            expect(s.hashes[A.paymentHash].outcome).toBe('settled');
          });
      });

      it('settled with no preimage -> PaymentSettled with preimage null', () => {
        given(claimed).when(cmd.outcome(A, out.settled(undefined, null, 0))).then([
          { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: null, feeMsat: 0, settledAt: NOW_ISO } },
        ]);
      });

      it('failed (a new invoice may help) -> PaymentFailed, the hash is dead, RESOLVING for an address', () => {
        given(claimed)
          .when(cmd.outcome(A, out.failed(true, 'no route')))
          .then([{ type: 'PaymentFailed', data: { paymentHash: A.paymentHash, reason: 'no route', newInvoiceMayHelp: true, failedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('RESOLVING');
            expect(s.hashes[A.paymentHash].outcome).toBe('failed');
            expect(s.currentInvoice).toBeNull();
            expect(s.lastError).toBe('no route');
          });
      });

      it('failed (no new invoice helps) -> PaymentFailed, FAILED', () => {
        given(claimed).when(cmd.outcome(A, out.failed(false, 'payee node rejects'))).thenState((s, events) => {
          expect(events.map((e) => e.type)).toEqual(['PaymentFailed']);
          expect(s.status).toBe('FAILED');
          expect(s.lastError).toBe('payee node rejects');
        });
      });

      it('pending -> PaymentPending, the hash stays live', () => {
        given(claimed)
          .when(cmd.outcome(A, out.pending(undefined, 'still routing')))
          .then([{ type: 'PaymentPending', data: { paymentHash: A.paymentHash, reason: 'still routing', observedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('PAYING');
            expect(s.hashes[A.paymentHash].outcome).toBe('pending');
          });
      });

      it('unknown -> PaymentOutcomeUnknown with the reason as lastError', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(undefined, 'socket hang up')))
          .then([{ type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'socket hang up', observedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('PAYING');
            expect(s.hashes[A.paymentHash].outcome).toBe('unknown');
            expect(s.lastError).toBe('socket hang up');
          });
      });

      it('rejected -> PaymentRejected, nothing moved, the invoice is still current', () => {
        given(claimed)
          .when(cmd.outcome(A, out.rejected('configuration', 'Wallet not found.')))
          .then([{ type: 'PaymentRejected', data: { paymentHash: A.paymentHash, reason: 'Wallet not found.', category: 'configuration', rejectedAt: NOW_ISO } }])
          .thenState((s) => {
            expect(s.status).toBe('PAYING');
            expect(s.hashes[A.paymentHash].outcome).toBe('rejected');
            expect(s.currentInvoice).toEqual(A);
          });
      });
    });

    describe('with an HTTP 520 -> Payment520 first, then the outcome', () => {
      const lnbits = (detail: string, lnbitsStatus: string | null, attempt = 1): PayoutEvent => ({
        type: 'Payment520',
        data: { attempt, paymentHash: A.paymentHash, source: 'lnbits', httpStatus: 520, detail, lnbitsStatus, cfRay: null, receivedAt: NOW_ISO },
      });
      const cloudflare = (httpStatus: number, cfRay: string | null): PayoutEvent => ({
        type: 'Payment520',
        data: { attempt: 1, paymentHash: A.paymentHash, source: 'cloudflare', httpStatus, detail: null, lnbitsStatus: null, cfRay, receivedAt: NOW_ISO },
      });

      it('LNbits "Payment already paid." (success) -> Payment520 + PaymentSettled', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(lnbits520('Payment already paid.', 'success'), null, 0)))
          .then([lnbits('Payment already paid.', 'success'), { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: null, feeMsat: 0, settledAt: NOW_ISO } }]);
      });

      it('LNbits "Insufficient balance." (failed) -> Payment520 + PaymentFailed', () => {
        given(claimed)
          .when(cmd.outcome(A, out.failed(true, 'Insufficient balance.', lnbits520('Insufficient balance.', 'failed'))))
          .then([lnbits('Insufficient balance.', 'failed'), { type: 'PaymentFailed', data: { paymentHash: A.paymentHash, reason: 'Insufficient balance.', newInvoiceMayHelp: true, failedAt: NOW_ISO } }]);
      });

      it('LNbits "Payment is still pending." -> Payment520 + PaymentPending', () => {
        given(claimed)
          .when(cmd.outcome(A, out.pending(lnbits520('Payment is still pending.', 'pending'), 'Payment is still pending.')))
          .then([lnbits('Payment is still pending.', 'pending'), { type: 'PaymentPending', data: { paymentHash: A.paymentHash, reason: 'Payment is still pending.', observedAt: NOW_ISO } }]);
      });

      it('LNbits 520 with no status -> Payment520(lnbitsStatus null) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(lnbits520('Something odd', null), 'unparsable status')))
          .then([lnbits('Something odd', null), { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'unparsable status', observedAt: NOW_ISO } }]);
      });

      it('Cloudflare 520 HTML page -> Payment520(source cloudflare, cfRay) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(cloudflare520(520, '8a1b2c3d4e5f6789-GRU'), 'cloudflare 520')))
          .then([cloudflare(520, '8a1b2c3d4e5f6789-GRU'), { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'cloudflare 520', observedAt: NOW_ISO } }]);
      });

      it('Cloudflare 524 without a CF-RAY -> Payment520(httpStatus 524, cfRay null) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(cloudflare520(524, null), 'cloudflare 524')))
          .then([cloudflare(524, null), { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'cloudflare 524', observedAt: NOW_ISO } }]);
      });

      it('Cloudflare page on a settled answer is still recorded (settled wins)', () => {
        given(claimed).when(cmd.outcome(A, out.settled(cloudflare520()))).thenState((s, events) => {
          expect(events.map((e) => e.type)).toEqual(['Payment520', 'PaymentSettled']);
          expect(s.status).toBe('SETTLED');
        });
      });

      it('Payment520 carries the attempt number of the claim it answers', () => {
        given(history.addressClaimed(A), ev.rejected(A), ev.attempted(A, 2), ev.rejected(A), ev.attempted(A, 3))
          .when(cmd.outcome(A, out.pending(lnbits520('Payment is still pending.', 'pending'))))
          .thenState((_s, events) => expect(events[0]).toEqual(lnbits('Payment is still pending.', 'pending', 3)));
      });
    });

    describe('late and duplicate answers', () => {
      it.each<[string, PayoutEvent[]]>([
        ['settled by a status check', [...claimed, ev.settled(A)]],
        ['failed by a status check', [...claimed, ev.failed(A, true)]],
        ['404 after the grace period', [...claimed, ev.notFound(A)]],
        ['pending by a status check', [...claimed, ev.statusChecked(A, 'pending')]],
      ])('after the hash was %s, a non-settled answer -> nothing (first answer wins)', (_name, events) => {
        for (const outcome of [out.failed(true), out.failed(false), out.pending(lnbits520('Payment is still pending.', 'pending')), out.unknown(cloudflare520()), out.rejected()]) {
          given(events).when(cmd.outcome(A, outcome)).thenNothing();
        }
      });

      it('a second answer for one claim -> nothing', () => {
        given(claimed, ev.unknown(A)).when(cmd.outcome(A, out.failed(true))).thenNothing();
      });

      it('settled twice -> no second PaymentSettled', () => {
        given(claimed, ev.settled(A)).when(cmd.outcome(A, out.settled(lnbits520('Payment already paid.', 'success')))).thenNothing();
      });

      it('a late "settled" for a hash a status check declared 404 -> PaymentSettled (money truth wins)', () => {
        given(claimed, ev.notFound(A)).when(cmd.outcome(A, out.settled())).thenState((s, events) => {
          expect(events).toEqual([{ type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'pre', feeMsat: 2000, settledAt: NOW_ISO } }]);
          expect(s.status).toBe('SETTLED');
        });
      });

      it('a late "settled" after a pending status check -> PaymentSettled', () => {
        given(claimed, ev.statusChecked(A, 'pending')).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      });

      it('a late "settled" for a dead hash while the next hash is already paid -> DoublePaymentDetected, NEEDS_ATTENTION', () => {
        const stream = [...claimed, ev.notFound(A), ev.invoiceExpired(A), ev.addressResolved(B), ev.attempted(B, 2), ev.settled(B)];
        given(stream).when(cmd.outcome(A, out.settled())).thenState((s, events) => {
          expect(events).toEqual([
            { type: 'DoublePaymentDetected', data: { paymentHash: A.paymentHash, settledPaymentHash: B.paymentHash, preimage: 'pre', feeMsat: 2000, detectedAt: NOW_ISO } },
          ]);
          expect(s.settlement?.paymentHash).toBe(B.paymentHash);
          expect(s.status).toBe('NEEDS_ATTENTION');
          expect(s.doublePayment).toEqual({ paymentHashes: [B.paymentHash, A.paymentHash], detectedAt: NOW_ISO, acknowledgedAt: null, acknowledgeReason: null });
          expect(s.lastError).toMatch(/^double_payment: /);
        });
      });

      it('a second, different hash reported settled -> DoublePaymentDetected, never a second PaymentSettled', () => {
        const later = invoice('later', { expiresAt: iso(3 * HOUR) });
        // A died by 404 (seen twice), expired, was re-checked, B was claimed, then a status check found A paid after all.
        const stream = run(
          claimed,
          [cmd.status(A, st.notFound()), at(GRACE_MS / 2)],
          [cmd.status(A, st.notFound()), at(GRACE_MS)],
          [cmd.expire(A), at(HOUR + MIN)],
          [cmd.resolveOk(later), at(HOUR + MIN)],
          [cmd.recheck(A, st.notFound()), at(HOUR + MIN)],
          [cmd.claim(later), at(HOUR + MIN)],
          [cmd.status(A, st.settled()), at(HOUR + 2 * MIN)],
        );
        expect(stream.filter((e) => e.type === 'PaymentSettled')).toHaveLength(1);
        given(stream)
          .when(cmd.outcome(later, out.settled()), at(HOUR + 3 * MIN))
          .then([
            { type: 'DoublePaymentDetected', data: { paymentHash: later.paymentHash, settledPaymentHash: A.paymentHash, preimage: 'pre', feeMsat: 2000, detectedAt: iso(HOUR + 3 * MIN) } },
          ])
          .thenStatus('NEEDS_ATTENTION');
      });

      it('the same second hash reported paid again -> nothing new', () => {
        given(claimed, ev.settled(A), ev.doublePaid(B, A)).when(cmd.outcome(A, out.settled())).thenNothing();
      });
    });

    describe('a re-send of a hash (after a 404 or a rejected request)', () => {
      // lightning.md: re-POSTing an invoice that already succeeded can answer "Insufficient balance."
      // with status failed: never conclude anything from a re-POST; ask the status endpoint.
      const reSent = [...claimed, ev.notFound(A), ev.attempted(A, 2)];

      it('a "failed" answer is not trusted -> PaymentOutcomeUnknown, the hash stays live', () => {
        given(reSent)
          .when(cmd.outcome(A, out.failed(true, 'Insufficient balance.')))
          .then([{ type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'failed on a re-send (Insufficient balance.): only a status check can tell', observedAt: NOW_ISO } }])
          .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('unknown'));
      });

      it('a "failed" LNbits 520 still records the Payment520', () => {
        given(reSent).when(cmd.outcome(A, out.failed(false, 'Payment is failed node, retrying is not possible.', lnbits520('Payment is failed node, retrying is not possible.', 'failed')))).thenState((_s, events) => {
          expect(events.map((e) => e.type)).toEqual(['Payment520', 'PaymentOutcomeUnknown']);
        });
      });

      it('then the status endpoint decides: paid -> PaymentSettled, failed -> PaymentFailed', () => {
        const unknown = run(reSent, cmd.outcome(A, out.failed(true, 'Insufficient balance.')));
        given(unknown).when(cmd.status(A, st.settled())).thenStatus('SETTLED');
        given(unknown).when(cmd.status(A, st.failed('no route'))).thenStatus('RESOLVING');
      });

      it('a "settled" answer is trusted', () => {
        given(reSent).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      });

      it('after a rejected request too', () => {
        given(claimed, ev.rejected(A), ev.attempted(A, 2)).when(cmd.outcome(A, out.failed(true))).thenState((_s, events) => {
          expect(events.map((e) => e.type)).toEqual(['PaymentOutcomeUnknown']);
        });
      });
    });

    it('an unknown payment hash -> unknown_payment_hash', () => {
      given(claimed).when(cmd.outcome(B, out.settled())).thenError('unknown_payment_hash');
    });

    it('is recorded even when the payout is escalated (money truth is never dropped)', () => {
      given(claimed, ev.escalated()).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      given(claimed, ev.escalated()).when(cmd.outcome(A, out.failed(true))).thenStatus('NEEDS_ATTENTION');
    });
  });

  // ------------------------------------------------------------------ RecordStatusCheck
  describe('RecordStatusCheck', () => {
    const claimedAt = -MIN;
    const claimed = history.addressClaimed(A, 1, claimedAt);

    it('settled -> PaymentSettled', () => {
      given(claimed)
        .when(cmd.status(A, st.settled('cd'.repeat(32), 1000)))
        .then([{ type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'cd'.repeat(32), feeMsat: 1000, settledAt: NOW_ISO } }])
        .thenStatus('SETTLED');
    });

    it('failed -> PaymentFailed (a new invoice may help), the hash is dead', () => {
      given(claimed)
        .when(cmd.status(A, st.failed('no route')))
        .then([{ type: 'PaymentFailed', data: { paymentHash: A.paymentHash, reason: 'no route', newInvoiceMayHelp: true, failedAt: NOW_ISO } }])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('failed'));
    });

    it('pending -> PaymentStatusChecked(pending), the hash is pending', () => {
      given(claimed)
        .when(cmd.status(A, st.pending()))
        .then([{ type: 'PaymentStatusChecked', data: { paymentHash: A.paymentHash, result: 'pending', detail: null, checkedAt: NOW_ISO } }])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('pending'));
    });

    it('unknown -> PaymentStatusChecked(unknown) with the reason, the hash stays live', () => {
      given(claimed, ev.unknown(A))
        .when(cmd.status(A, st.unknown('ECONNRESET')))
        .then([{ type: 'PaymentStatusChecked', data: { paymentHash: A.paymentHash, result: 'unknown', detail: 'ECONNRESET', checkedAt: NOW_ISO } }])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('unknown'));
    });

    it('rejected (bad key) -> PaymentStatusChecked(unknown): nothing is concluded', () => {
      given(claimed)
        .when(cmd.status(A, st.rejected('Wallet not found.')))
        .then([{ type: 'PaymentStatusChecked', data: { paymentHash: A.paymentHash, result: 'unknown', detail: 'Wallet not found.', checkedAt: NOW_ISO } }])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('in_flight'));
    });

    describe('404 and the grace period (measured from the latest attempt of the hash)', () => {
      const attemptedAt = iso(claimedAt);

      it('one millisecond before the end of the grace period -> PaymentStatusChecked(not_found_within_grace)', () => {
        const checkAt = at(claimedAt + GRACE_MS - 1);
        given(claimed)
          .when(cmd.status(A, st.notFound(), GRACE_MS), checkAt)
          .then([{ type: 'PaymentStatusChecked', data: { paymentHash: A.paymentHash, result: 'not_found_within_grace', detail: `404 ${GRACE_MS - 1} ms after the attempt`, checkedAt: checkAt.toISOString() } }])
          .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('in_flight'));
      });

      // Rule 8: a 404 counts only when seen twice, a quarter of the grace or more apart, the later past the grace.
      const seenOnce = (offsetMs: number): PayoutEvent[] => [...claimed, ev.statusChecked(A, 'not_found_within_grace', claimedAt + offsetMs)];

      it('exactly at the end of the grace period, a quarter of the grace after a first 404 -> PaymentNotFound, the hash is dead', () => {
        const checkAt = at(claimedAt + GRACE_MS);
        given(seenOnce(GRACE_MS - GRACE_MS / 4))
          .when(cmd.status(A, st.notFound(), GRACE_MS), checkAt)
          .then([{ type: 'PaymentNotFound', data: { paymentHash: A.paymentHash, attemptedAt, checkedAt: checkAt.toISOString() } }])
          .thenState((s) => {
            expect(s.hashes[A.paymentHash].outcome).toBe('not_found');
            expect(s.currentInvoice).toEqual(A);
          });
      });

      it('a first 404 long after the grace period does not count yet -> PaymentStatusChecked(not_found_unconfirmed)', () => {
        given(claimed)
          .when(cmd.status(A, st.notFound(), GRACE_MS), at(HOUR))
          .then([
            {
              type: 'PaymentStatusChecked',
              data: { paymentHash: A.paymentHash, result: 'not_found_unconfirmed', detail: `404 ${HOUR - claimedAt} ms after the attempt`, checkedAt: iso(HOUR) },
            },
          ])
          .thenState((s) => {
            expect(s.hashes[A.paymentHash]).toMatchObject({ outcome: 'in_flight', notFoundSince: iso(HOUR) });
            expect(s.status).toBe('PAYING');
          });
      });

      it('a second 404 less than a quarter of the grace after the first -> still not counted', () => {
        given(claimed, ev.statusChecked(A, 'not_found_unconfirmed', HOUR))
          .when(cmd.status(A, st.notFound(), GRACE_MS), at(HOUR + GRACE_MS / 4 - 1))
          .thenState((_s, events) => expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_unconfirmed' } }]));
        given(claimed, ev.statusChecked(A, 'not_found_unconfirmed', HOUR))
          .when(cmd.status(A, st.notFound(), GRACE_MS), at(HOUR + GRACE_MS / 4))
          .thenState((_s, events) => expect(events.map((e) => e.type)).toEqual(['PaymentNotFound']));
      });

      it('two 404s within the grace period never count, however far apart', () => {
        given(seenOnce(0))
          .when(cmd.status(A, st.notFound(), GRACE_MS), at(claimedAt + GRACE_MS - 1))
          .thenState((_s, events) => expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_within_grace' } }]));
      });

      it('a pending answer between two 404s starts the count again', () => {
        given(seenOnce(0), ev.statusChecked(A, 'pending', claimedAt + GRACE_MS / 2))
          .when(cmd.status(A, st.notFound(), GRACE_MS), at(claimedAt + GRACE_MS))
          .thenState((_s, events) => expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_unconfirmed' } }]));
      });

      it('on a pending or unknown hash too', () => {
        given(seenOnce(0), ev.unknown(A, claimedAt)).when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS)).thenState((_s, e) => expect(e[0].type).toBe('PaymentNotFound'));
        given(claimed, ev.unknown(A, claimedAt)).when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS - 1)).thenState((_s, e) => expect(e[0].type).toBe('PaymentStatusChecked'));
      });

      it('the grace and the sightings restart with a re-send of the same hash', () => {
        const reSent = [...claimed, ev.notFound(A, claimedAt, 5 * MIN), ev.attempted(A, 2, 10 * MIN)];
        given(reSent).when(cmd.status(A, st.notFound()), at(10 * MIN + GRACE_MS)).thenState((_s, e) => expect(e).toMatchObject([{ data: { result: 'not_found_unconfirmed' } }]));
        given(reSent, ev.statusChecked(A, 'not_found_within_grace', 10 * MIN + GRACE_MS / 2))
          .when(cmd.status(A, st.notFound()), at(10 * MIN + GRACE_MS))
          .then([{ type: 'PaymentNotFound', data: { paymentHash: A.paymentHash, attemptedAt: iso(10 * MIN), checkedAt: iso(10 * MIN + GRACE_MS) } }]);
      });
    });

    describe('on a dead hash', () => {
      const dead: [string, PayoutEvent[]][] = [
        ['failed', [...claimed, ev.failed(A, true)]],
        ['404', [...claimed, ev.notFound(A)]],
        ['rejected', [...claimed, ev.rejected(A)]],
      ];
      it.each(dead)('(%s) a non-settled status -> nothing', (_name, events) => {
        for (const status of [st.failed(), st.pending(), st.notFound(), st.unknown(), st.rejected()]) {
          given(events).when(cmd.status(A, status), at(HOUR)).thenNothing();
        }
      });

      it.each(dead)('(%s) settled while the order is not settled -> PaymentSettled (money truth wins)', (_name, events) => {
        given(events)
          .when(cmd.status(A, st.settled()))
          .then([{ type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'pre', feeMsat: 2000, settledAt: NOW_ISO } }])
          .thenStatus('SETTLED');
      });

      it('settled on a dead hash of a cancelled order -> PaymentSettled; SETTLED wins over CANCELLED', () => {
        given(claimed, ev.failed(A, true), ev.cancelled()).when(cmd.status(A, st.settled())).thenStatus('SETTLED');
      });
    });

    it('settled again on the settled hash -> nothing', () => {
      given(claimed, ev.settled(A)).when(cmd.status(A, st.settled())).thenNothing();
    });

    it('an unknown payment hash -> unknown_payment_hash', () => {
      given(claimed).when(cmd.status(B, st.settled())).thenError('unknown_payment_hash');
    });

    it('works on an escalated payout (live hashes are still resolved)', () => {
      given(claimed, ev.unknown(A), ev.escalated()).when(cmd.status(A, st.failed())).thenState((s) => {
        expect(s.hashes[A.paymentHash].outcome).toBe('failed');
        expect(s.status).toBe('NEEDS_ATTENTION');
      });
    });
  });

  // ------------------------------------------------------------------ ExpireInvoice
  describe('ExpireInvoice', () => {
    it('the current invoice of an address -> InvoiceExpired, RESOLVING again with lastError', () => {
      given(history.addressResolved(A))
        .when(cmd.expire(A))
        .then([{ type: 'InvoiceExpired', data: { paymentHash: A.paymentHash, expiresAt: A.expiresAt, observedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('RESOLVING');
          expect(s.currentInvoice).toBeNull();
          expect(s.lastError).toContain('expired');
        });
    });

    it('the raw BOLT11 -> InvoiceExpired, FAILED with lastError', () => {
      given(history.bolt11Submitted(RAW)).when(cmd.expire(RAW)).thenState((s) => {
        expect(s.status).toBe('FAILED');
        expect(s.lastError).toContain('expired');
      });
    });

    it('a sent invoice (dead by 404) -> allowed only 60 s after its expiry (the payee may still accept it)', () => {
      const sent = [...history.addressClaimed(A), ev.notFound(A)];
      given(sent).when(cmd.expire(A), at(HOUR + MIN - 1)).thenError('invalid_transition');
      given(sent).when(cmd.expire(A), at(HOUR + MIN)).thenStatus('RESOLVING');
    });

    it('a fresh invoice (never sent) -> allowed before its expiry (the margin is the process\'s choice)', () => {
      given(history.addressResolved(A)).when(cmd.expire(A), at(HOUR - MIN)).thenStatus('RESOLVING');
    });

    it('an invoice that is not current -> invalid_transition', () => {
      given(history.addressResolved(A)).when(cmd.expire(B)).thenError('invalid_transition');
      given(history.addressSubmitted()).when(cmd.expire(A)).thenError('invalid_transition');
    });

    it.each(liveHistories(A, history.addressResolved(A)))('while the hash is %s -> payment_in_flight', (_name, events) => {
      given(events).when(cmd.expire(A)).thenError('payment_in_flight');
    });

    it.each<[string, PayoutErrorCode, PayoutEvent[]]>([
      ['settled', 'already_settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', 'cancelled', [...history.addressResolved(A), ev.cancelled()]],
      ['escalated', 'escalated', [...history.addressResolved(A), ev.escalated()]],
    ])('when %s -> %s', (_name, code, events) => {
      given(events).when(cmd.expire(A)).thenError(code);
    });
  });

  // ------------------------------------------------------------------ QueueRetry
  describe('QueueRetry', () => {
    it.each<[string, PayoutEvent[]]>([
      ['RESOLVING', history.addressSubmitted()],
      ['PAYING', history.addressResolved(A)],
      ['PAYING with a live hash', [...history.addressClaimed(A), ev.unknown(A)]],
      ['RETRY_QUEUED', [...history.addressResolved(A), ev.retryQueued()]],
    ])('while %s -> RetryQueued, RETRY_QUEUED with lastError', (_name, events) => {
      given(events)
        .when(cmd.queueRetry('wallet unreachable', 10 * MIN))
        .then([{ type: 'RetryQueued', data: { reason: 'wallet unreachable', nextAttemptAt: iso(10 * MIN), queuedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('RETRY_QUEUED');
          expect(s.lastError).toBe('wallet unreachable');
        });
    });

    describe('while the wallet holds the order back (issue 15)', () => {
      const SHORT = 'wallet short: balance 0 msat cannot cover 21210000 msat (21000000 msat + fee reserve); waiting for a top-up';
      const UNAVAILABLE = 'wallet unavailable: circuit breaker open since 2025-07-09T11:00:00.000Z';

      it.each<[string, string]>([
        ['wallet_short', SHORT],
        ['wallet_unavailable', UNAVAILABLE],
      ])('records the cause %s, and the wait is not an escalation round', (cause, reason) => {
        const events = [...history.addressResolved(A), ev.retryQueued(), ev.retryQueued()];
        given(events)
          .when(cmd.queueRetry(reason, 0))
          .then([{ type: 'RetryQueued', data: { reason, nextAttemptAt: iso(0), queuedAt: NOW_ISO, cause } } as PayoutEvent])
          .thenState((s) => expect(s).toMatchObject({ status: 'RETRY_QUEUED', lastError: reason, retriesQueued: 2 }));
      });

      it('one RetryQueued per shortage: a later sweep finding the wallet still short records nothing', () => {
        const waiting = [...history.addressResolved(A), ev.retryQueued(SHORT, 0)];
        given(waiting).when(cmd.queueRetry(SHORT.replace('balance 0', 'balance 5'), 0)).thenNothing();
        // A new shortage after the order tried again (the wallet refused it) is recorded.
        given(waiting, ev.attempted(A, 1), ev.rejected(A)).when(cmd.queueRetry(SHORT, 0)).thenStatus('RETRY_QUEUED');
      });

      it('an attempt LNbits refused for want of sats does not count toward escalation; other refusals do', () => {
        const refused = (reason: string): PayoutEvent => ({ type: 'PaymentRejected', data: { paymentHash: A.paymentHash, reason, category: 'limit', rejectedAt: iso(0) } });
        const short = stateOf([...history.addressClaimed(A), refused('LNbits 520 "Insufficient balance.": nothing was paid; retry the same invoice later')]);
        expect(short.attempts - short.escalationBaseline.attempts).toBe(0);
        const daily = stateOf([...history.addressClaimed(A), refused('LNbits 520 "Daily withdrawal limit reached"')]);
        expect(daily.attempts - daily.escalationBaseline.attempts).toBe(1);
      });
    });

    it.each<[string, PayoutErrorCode, PayoutEvent[]]>([
      ['AWAITING_DESTINATION', 'invalid_transition', history.confirmed()],
      ['FAILED', 'invalid_transition', [...history.addressSubmitted(), ev.destinationRejected(true)]],
      ['SETTLED', 'already_settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['CANCELLED', 'cancelled', [...history.addressSubmitted(), ev.cancelled()]],
      ['NEEDS_ATTENTION', 'escalated', [...history.addressSubmitted(), ev.escalated()]],
    ])('while %s -> %s', (_name, code, events) => {
      given(events).when(cmd.queueRetry()).thenError(code);
    });
  });

  // ------------------------------------------------------------------ CancelPayout
  describe('CancelPayout', () => {
    it.each<[string, PayoutEvent[]]>([
      ['AWAITING_DESTINATION', history.confirmed()],
      ['RESOLVING', history.addressSubmitted()],
      ['PAYING (invoice not yet claimed)', history.addressResolved(A)],
      ['PAYING after a 404 (dead hash)', [...history.addressClaimed(A), ev.notFound(A)]],
      ['PAYING after a rejected request', [...history.addressClaimed(A), ev.rejected(A)]],
      ['RETRY_QUEUED', [...history.addressResolved(A), ev.retryQueued()]],
      ['FAILED', [...history.bolt11Claimed(RAW), ev.failed(RAW, true)]],
      ['NEEDS_ATTENTION', [...history.addressResolved(A), ev.escalated()]],
    ])('while %s with no live hash -> PayoutCancelled, CANCELLED', (_name, events) => {
      given(events)
        .when(cmd.cancel('refunded by PIX'))
        .then([{ type: 'PayoutCancelled', data: { reason: 'refunded by PIX', cancelledAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('CANCELLED');
          expect(s.retryQueuedUntil).toBeNull();
        });
    });

    it('when settled -> already_settled (409)', () => {
      given(history.addressClaimed(A), ev.settled(A)).when(cmd.cancel()).thenError('already_settled');
    });

    it.each(liveHistories(A, history.addressResolved(A)))('while a hash is %s -> payment_in_flight (409)', (_name, events) => {
      given(events).when(cmd.cancel()).thenError('payment_in_flight');
    });

    it('while escalated with a live hash -> payment_in_flight', () => {
      given(history.addressClaimed(A), ev.unknown(A), ev.escalated()).when(cmd.cancel()).thenError('payment_in_flight');
    });

    it('when already cancelled -> nothing (idempotent)', () => {
      given(history.confirmed(), ev.cancelled()).when(cmd.cancel('again')).thenNothing();
    });

    it.each<[string, PayoutErrorCode, PayoutCommand]>([
      ['SubmitDestination', 'cancelled', cmd.submit(addressDestination())],
      ['RecordResolution', 'cancelled', cmd.resolveOk(B)],
      ['ClaimPayment', 'cancelled', cmd.claim(A)],
      ['ExpireInvoice', 'cancelled', cmd.expire(A)],
      ['QueueRetry', 'cancelled', cmd.queueRetry()],
      ['EscalatePayout', 'invalid_transition', cmd.escalate()],
    ])('after cancel, %s -> %s', (_name, code, command) => {
      given(history.addressResolved(A), ev.cancelled()).when(command).thenError(code);
    });
  });

  // ------------------------------------------------------------------ Escalate / ClearEscalation
  describe('EscalatePayout and ClearEscalation', () => {
    it('escalate -> PayoutEscalated, NEEDS_ATTENTION with the reason as lastError', () => {
      given(history.addressResolved(A))
        .when(cmd.escalate('10 attempts'))
        .then([{ type: 'PayoutEscalated', data: { reason: '10 attempts', escalatedAt: NOW_ISO } }])
        .thenState((s) => {
          expect(s.status).toBe('NEEDS_ATTENTION');
          expect(s.lastError).toBe('10 attempts');
        });
    });

    it('escalate with a live hash -> allowed (the hash is still resolved by status checks)', () => {
      given(history.addressClaimed(A), ev.unknown(A)).when(cmd.escalate()).thenStatus('NEEDS_ATTENTION');
    });

    it('escalate when already escalated -> nothing', () => {
      given(history.addressResolved(A), ev.escalated()).when(cmd.escalate('again')).thenNothing();
    });

    it.each<[string, PayoutEvent[]]>([
      ['settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', [...history.addressResolved(A), ev.cancelled()]],
    ])('escalate when %s -> invalid_transition', (_name, events) => {
      given(events).when(cmd.escalate()).thenError('invalid_transition');
    });

    it('clear -> EscalationCleared, back to the status the payout had', () => {
      given(history.addressResolved(A), ev.escalated())
        .when(cmd.clearEscalation())
        .then([{ type: 'EscalationCleared', data: { clearedAt: NOW_ISO } }])
        .thenStatus('PAYING');
      given(history.addressSubmitted(), ev.destinationRejected(true), ev.escalated()).when(cmd.clearEscalation()).thenStatus('FAILED');
    });

    it('clear when not escalated -> nothing', () => {
      given(history.addressResolved(A)).when(cmd.clearEscalation()).thenNothing();
    });

    it('after clearing, claims are accepted again', () => {
      given(history.addressResolved(A), ev.escalated(), ev.escalationCleared()).when(cmd.claim(A)).thenStatus('PAYING');
    });
  });

  describe('purity', () => {
    it('never reads the wall clock: every time comes from the injected now', () => {
      const spy = jest.spyOn(Date, 'now');
      const later = at(3 * HOUR);
      const c = invoice('C', { expiresAt: iso(4 * HOUR) });
      const result = decide(cmd.claim(c), stateOf(history.addressResolved(c)), later);
      expect(result).toEqual({ ok: true, events: [expect.objectContaining({ data: expect.objectContaining({ attemptedAt: later.toISOString() }) })] });
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });

    it('does not mutate the state it is given', () => {
      const state = stateOf(history.addressClaimed(A));
      const snapshot = JSON.parse(JSON.stringify(state));
      decide(cmd.outcome(A, out.settled()), state, NOW);
      decide(cmd.status(A, st.notFound()), state, at(HOUR));
      expect(state).toEqual(snapshot);
    });
  });
});
