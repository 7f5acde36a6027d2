/** The payout decider: RecordResolution and ClaimPayment: invoices for an order, and the claim before paying. */
import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import {
  ADDRESS,
  AMOUNT_MSAT,
  GRACE_MS,
  HOUR,
  MIN,
  NOW_ISO,
  at,
  cmd,
  ev,
  given,
  history,
  invoice,
  iso,
  liveHistories,
  out,
  produce,
  run,
  st,
  stateOf,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');

describe('decide', () => {
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
        .then([
          { type: 'DestinationRejected', data: { destination: ADDRESS, reason: 'no such user', permanent: true, rejectedAt: NOW_ISO } },
        ])
        .thenState((s) => {
          expect(s.status).toBe('FAILED');
          expect(s.lastError).toBe('no such user');
          expect(s.needsNewDestination).toBe(true);
        });
    });

    it('transient failure -> DestinationRejected(transient), stays RESOLVING with lastError', () => {
      given(history.addressSubmitted())
        .when(cmd.resolveFail(false, 'LNURL server timed out'))
        .then([
          {
            type: 'DestinationRejected',
            data: { destination: ADDRESS, reason: 'LNURL server timed out', permanent: false, rejectedAt: NOW_ISO },
          },
        ])
        .thenState((s) => {
          expect(s.status).toBe('RESOLVING');
          expect(s.lastError).toBe('LNURL server timed out');
        });
    });

    it('transient failure then QueueRetry -> RETRY_QUEUED; then a successful resolution -> PAYING', () => {
      const stream = run(history.addressSubmitted(), cmd.resolveFail(false, 'timeout'));
      given(stream)
        .when(cmd.queueRetry('LNURL retries exhausted', 5 * MIN))
        .then([
          { type: 'RetryQueued', data: { reason: 'LNURL retries exhausted', nextAttemptAt: iso(5 * MIN), queuedAt: NOW_ISO, cause: null } },
        ])
        .thenState((s) => {
          expect(s.status).toBe('RETRY_QUEUED');
          expect(s.lastError).toBe('LNURL retries exhausted');
          expect(s.retryQueuedUntil).toBe(iso(5 * MIN));
        });
      const queued = run(stream, cmd.queueRetry());
      given(queued)
        .when(cmd.resolveOk(A), at(5 * MIN))
        .thenState((s) => {
          expect(s.status).toBe('PAYING');
          expect(s.retryQueuedUntil).toBeNull();
        });
    });

    it('a permanent failure after a transient one -> FAILED', () => {
      given(history.addressSubmitted(), ev.destinationRejected(false), ev.retryQueued())
        .when(cmd.resolveFail(true, 'gone'))
        .thenStatus('FAILED');
    });

    it('for an address that is no longer the destination (stale) -> invalid_transition', () => {
      given(history.addressSubmitted()).when(cmd.resolveOk(A, 'bob@example.com')).thenError('invalid_transition');
    });

    it('for the old address after the customer gave a new one -> invalid_transition', () => {
      given(history.addressSubmitted(), ev.destinationRejected(true), ev.addressSubmitted('bob@example.com'))
        .when(cmd.resolveFail(true, 'x', ADDRESS))
        .thenError('invalid_transition');
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

    it.each(liveHistories(A, history.addressResolved(A)))(
      'while an earlier hash could still settle (%s) -> payment_in_flight',
      (_name, events) => {
        given(events).when(cmd.resolveOk(B)).thenError('payment_in_flight');
      },
    );

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
            data: {
              destination: ADDRESS,
              reason: `${ADDRESS} handed out invoice ${A.paymentHash} again, which this order already used; a new invoice is needed`,
              permanent: false,
              rejectedAt: NOW_ISO,
            },
          },
        ])
        .thenState((s) => {
          expect(s.currentInvoice).toBeNull();
          expect(s.lastError).toContain('again');
        });
    });

    it('an invoice reusing a hash the order already used (404 then expired) -> DestinationRejected (transient)', () => {
      given(history.addressClaimed(A), ev.notFound(A), ev.invoiceExpired(A))
        .when(cmd.resolveOk(A))
        .thenState((s, events) => {
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
        .then([
          {
            type: 'PaymentAttempted',
            data: { attempt: 1, paymentHash: A.paymentHash, bolt11: A.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO },
          },
        ])
        .thenState((s) => {
          expect(s.status).toBe('PAYING');
          expect(s.attempts).toBe(1);
          expect(s.hashes[A.paymentHash]).toMatchObject({ outcome: 'in_flight', lastAttempt: 1, lastAttemptedAt: NOW_ISO, invoice: A });
        });
    });

    it('a raw BOLT11 -> PaymentAttempted #1', () => {
      given(history.bolt11Submitted(RAW))
        .when(cmd.claim(RAW))
        .thenState((_s, events) => {
          expect(events).toEqual([
            {
              type: 'PaymentAttempted',
              data: { attempt: 1, paymentHash: RAW.paymentHash, bolt11: RAW.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO },
            },
          ]);
        });
    });

    it('attempt numbers increase across hashes and re-sends of one hash', () => {
      const attempts = (events: PayoutEvent[]): number[] => events.flatMap((e) => (e.type === 'PaymentAttempted' ? [e.data.attempt] : []));
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
      given(history.addressResolved(A))
        .when(cmd.claim(invoice('A', { amountMsat: AMOUNT_MSAT * 2 })))
        .thenError('invalid_transition');
      given(history.addressResolved(A))
        .when(cmd.claim(invoice('A', { bolt11: 'lnbc-forged' })))
        .thenError('invalid_transition');
    });

    it('the current hash with another expiry than stored -> invalid_transition (the stored expiry is the truth)', () => {
      const short = invoice('A', { expiresAt: iso(-1) });
      given(history.addressResolved(short))
        .when(cmd.claim({ ...short, expiresAt: iso(HOUR) }))
        .thenError('invalid_transition');
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
        .then([
          {
            type: 'PaymentAttempted',
            data: { attempt: 2, paymentHash: A.paymentHash, bolt11: A.bolt11, amountMsat: AMOUNT_MSAT, attemptedAt: NOW_ISO },
          },
        ]);
    });

    it('after a rejected request -> the same hash may be claimed again', () => {
      given(history.addressClaimed(A), ev.rejected(A))
        .when(cmd.claim(A))
        .thenState((s) => expect(s.hashes[A.paymentHash].lastAttempt).toBe(2));
    });

    it('while RETRY_QUEUED -> allowed (the sweep re-issues the claim), back to PAYING', () => {
      given(history.addressResolved(A), ev.retryQueued())
        .when(cmd.claim(A))
        .thenState((s) => {
          expect(s.status).toBe('PAYING');
          expect(s.retryQueuedUntil).toBeNull();
        });
    });

    it.each<[string, PayoutErrorCode, PayoutEvent[]]>([
      ['settled', 'already_settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', 'cancelled', [...history.addressResolved(A), ev.cancelled()]],
      ['escalated', 'escalated', [...history.addressResolved(A), ev.escalated()]],
      [
        'awaiting a new destination (permanent rejection)',
        'invalid_transition',
        [...history.addressSubmitted(), ev.destinationRejected(true)],
      ],
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
});
