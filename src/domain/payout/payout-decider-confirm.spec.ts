/** The payout decider: ConfirmPix and SubmitDestination: creating an order and giving it a destination. */
import { PayoutCommand } from './payout-commands';

import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import {
  ADDRESS,
  AMOUNT_CENTS,
  AMOUNT_MSAT,
  AMOUNT_SATS,
  NOW_ISO,
  addressDestination,
  bolt11Destination,
  cmd,
  ev,
  given,
  history,
  invoice,
  liveHistories,
  out,
  st,
} from './payout.fixtures';

const A = invoice('A');
const RAW = invoice('RAW');
const RAW2 = invoice('RAW2');

/** Errors the HTTP layer answers with 409 (docs/api.md). */
const CONFLICT_CODES: PayoutErrorCode[] = [
  'order_conflict',
  'destination_locked',
  'destination_conflict',
  'payment_in_flight',
  'already_settled',
  'cancelled',
  'escalated',
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
    const pixConfirmedNow: PayoutEvent = ev.pixConfirmed({ confirmedAt: NOW_ISO });

    describe('a new order', () => {
      it('without a destination -> PixConfirmed, AWAITING_DESTINATION', () => {
        given().when(cmd.confirmPix()).then([pixConfirmedNow]).thenStatus('AWAITING_DESTINATION');
      });

      it('with a Lightning Address -> PixConfirmed + DestinationSubmitted, RESOLVING', () => {
        given()
          .when(cmd.confirmPix(addressDestination()))
          .then([
            pixConfirmedNow,
            {
              type: 'DestinationSubmitted',
              data: { destination: ADDRESS, kind: 'lightning_address', invoice: null, submittedAt: NOW_ISO },
            },
          ])
          .thenState((s) => {
            expect(s.status).toBe('RESOLVING');
            expect(s.destination).toEqual({ value: ADDRESS, kind: 'lightning_address' });
            expect(s.currentInvoice).toBeNull();
          });
      });

      it('with a raw BOLT11 -> PixConfirmed + DestinationSubmitted carrying the invoice, PAYING', () => {
        given()
          .when(cmd.confirmPix(bolt11Destination(RAW)))
          .then([
            pixConfirmedNow,
            { type: 'DestinationSubmitted', data: { destination: RAW.bolt11, kind: 'bolt11', invoice: RAW, submittedAt: NOW_ISO } },
          ])
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
        given(history.bolt11Submitted(RAW))
          .when(cmd.confirmPix(bolt11Destination(RAW)))
          .thenNothing();
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
          .then([
            {
              type: 'DestinationSubmitted',
              data: { destination: ADDRESS, kind: 'lightning_address', invoice: null, submittedAt: NOW_ISO },
            },
          ])
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
        given(history.confirmed())
          .when(cmd.confirmPix(null, { amountSats: 1 }))
          .thenError('order_conflict');
      });

      it('with different values and a new destination -> order_conflict, not a destination change', () => {
        given(history.confirmed())
          .when(cmd.confirmPix(addressDestination(), { amountCents: 1 }))
          .thenError('order_conflict');
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
        given(history.confirmed())
          .when(cmd.confirmPix(null, { paidAt: '2025-07-09T11:59:00.001Z' }))
          .thenError('order_conflict');
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
        given(history.addressSubmitted(), ev.destinationRejected(true))
          .when(cmd.confirmPix(addressDestination('bob@example.com')))
          .thenError('destination_conflict');
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
        given(history.confirmed())
          .when(cmd.submit(bolt11Destination(RAW)))
          .then([bolt11SubmittedNow()])
          .thenStatus('PAYING');
      });

      it('a BOLT11 for another amount -> invoice_mismatch', () => {
        given(history.confirmed())
          .when(cmd.submit(bolt11Destination(invoice('RAW', { amountMsat: 1 }))))
          .thenError('invoice_mismatch');
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
        given(history.addressSubmitted(), ev.destinationRejected(true))
          .when(cmd.submit(addressDestination()))
          .then([submittedNow()])
          .thenStatus('RESOLVING');
      });

      it('after a failure no new invoice cures: a BOLT11 instead -> PAYING', () => {
        given(history.addressClaimed(A), ev.failed(A, false))
          .when(cmd.submit(bolt11Destination(RAW)))
          .then([bolt11SubmittedNow()])
          .thenStatus('PAYING');
      });

      it('after the raw BOLT11 failed: a new BOLT11 -> PAYING', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true))
          .when(cmd.submit(bolt11Destination(RAW2)))
          .then([bolt11SubmittedNow(RAW2)])
          .thenStatus('PAYING');
      });

      it('after the raw BOLT11 failed: an address instead -> RESOLVING', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true))
          .when(cmd.submit(addressDestination()))
          .then([submittedNow()])
          .thenStatus('RESOLVING');
      });

      it('after the raw BOLT11 expired unpaid: a new BOLT11 -> PAYING', () => {
        given(history.bolt11Submitted(RAW), ev.invoiceExpired(RAW))
          .when(cmd.submit(bolt11Destination(RAW2)))
          .then([bolt11SubmittedNow(RAW2)])
          .thenStatus('PAYING');
      });

      it('re-submitting the raw BOLT11 whose hash failed -> payment_hash_dead', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true))
          .when(cmd.submit(bolt11Destination(RAW)))
          .thenError('payment_hash_dead');
      });

      it('re-submitting a BOLT11 whose hash this order already used (404 then expired) -> invoice_mismatch', () => {
        given(history.bolt11Claimed(RAW), ev.notFound(RAW), ev.invoiceExpired(RAW))
          .when(cmd.submit(bolt11Destination(RAW)))
          .thenError('invoice_mismatch');
      });

      it('a BOLT11 carrying the hash of an earlier failed invoice of an address -> payment_hash_dead', () => {
        given(history.addressClaimed(A), ev.failed(A, false))
          .when(cmd.submit(bolt11Destination(A)))
          .thenError('payment_hash_dead');
      });

      it('a BOLT11 for another amount -> invoice_mismatch', () => {
        given(history.bolt11Claimed(RAW), ev.failed(RAW, true))
          .when(cmd.submit(bolt11Destination(invoice('RAW2', { amountMsat: 5 }))))
          .thenError('invoice_mismatch');
      });
    });

    describe('refused (409-class) otherwise', () => {
      it('when settled -> already_settled', () => {
        given(history.addressClaimed(A), ev.settled(A))
          .when(cmd.submit(addressDestination('bob@example.com')))
          .thenError('already_settled');
      });

      it('when settled: another destination -> already_settled; the same one again -> nothing (an idempotent retry)', () => {
        given(history.addressClaimed(A), ev.settled(A))
          .when(cmd.submit(addressDestination('bob@example.com')))
          .thenError('already_settled');
        given(history.addressClaimed(A), ev.settled(A)).when(cmd.submit(addressDestination())).thenNothing();
      });

      it.each<[string, PayoutEvent[]]>([
        ['resolving', history.addressSubmitted()],
        ['paying with an unknown outcome', [...history.addressClaimed(A), ev.unknown(A)]],
        ['cancelled', [...history.addressResolved(A), ev.cancelled()]],
        ['escalated', [...history.addressResolved(A), ev.escalated()]],
      ])('the destination already accepted, again while %s -> nothing', (_name, events) => {
        given(events).when(cmd.submit(addressDestination())).thenNothing();
      });

      it('when cancelled -> cancelled', () => {
        given(history.confirmed(), ev.cancelled()).when(cmd.submit(addressDestination())).thenError('cancelled');
      });

      describe.each([
        ['address', A, history.addressResolved(A)],
        ['raw BOLT11', RAW, history.bolt11Submitted(RAW)],
      ])('for an %s payout', (_kind, inv, base) => {
        it.each(liveHistories(inv, base))('while a hash is %s -> payment_in_flight', (_live, events) => {
          given(events)
            .when(cmd.submit(bolt11Destination(RAW2)))
            .thenError('payment_in_flight');
        });
      });

      it('while a hash is live and the payout is escalated -> payment_in_flight', () => {
        given(history.addressClaimed(A), ev.unknown(A), ev.escalated())
          .when(cmd.submit(addressDestination('bob@example.com')))
          .thenError('payment_in_flight');
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
        given(events)
          .when(cmd.submit(bolt11Destination(RAW2)))
          .thenError('destination_locked');
      });

      it('every refusal above is a 409-class code', () => {
        for (const code of ['already_settled', 'cancelled', 'payment_in_flight', 'destination_locked'] as const)
          expect(CONFLICT_CODES).toContain(code);
      });
    });
  });
});
