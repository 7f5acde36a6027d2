/** The payout decider: RecordStatusCheck and ExpireInvoice: resolving unknowns, and giving up an invoice. */
import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import { GRACE_MS, HOUR, MIN, NOW_ISO, at, cmd, ev, given, history, invoice, iso, liveHistories, st } from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');

describe('decide', () => {
  // ------------------------------------------------------------------ RecordStatusCheck
  describe('RecordStatusCheck', () => {
    const claimedAt = -MIN;
    const claimed = history.addressClaimed(A, 1, claimedAt);

    it('settled -> PaymentSettled', () => {
      given(claimed)
        .when(cmd.status(A, st.settled('cd'.repeat(32), 1000)))
        .then([
          { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'cd'.repeat(32), feeMsat: 1000, settledAt: NOW_ISO } },
        ])
        .thenStatus('SETTLED');
    });

    it('failed -> PaymentFailed (a new invoice may help), the hash is dead', () => {
      given(claimed)
        .when(cmd.status(A, st.failed('no route')))
        .then([
          { type: 'PaymentFailed', data: { paymentHash: A.paymentHash, reason: 'no route', newInvoiceMayHelp: true, failedAt: NOW_ISO } },
        ])
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
        .then([
          {
            type: 'PaymentStatusChecked',
            data: { paymentHash: A.paymentHash, result: 'unknown', detail: 'ECONNRESET', checkedAt: NOW_ISO },
          },
        ])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('unknown'));
    });

    it('rejected (bad key) -> PaymentStatusChecked(unknown): nothing is concluded', () => {
      given(claimed)
        .when(cmd.status(A, st.rejected('Wallet not found.')))
        .then([
          {
            type: 'PaymentStatusChecked',
            data: { paymentHash: A.paymentHash, result: 'unknown', detail: 'Wallet not found.', checkedAt: NOW_ISO },
          },
        ])
        .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('in_flight'));
    });

    describe('404 and the grace period (measured from the latest attempt of the hash)', () => {
      const attemptedAt = iso(claimedAt);

      it('one millisecond before the end of the grace period -> PaymentStatusChecked(not_found_within_grace)', () => {
        const checkAt = at(claimedAt + GRACE_MS - 1);
        given(claimed)
          .when(cmd.status(A, st.notFound()), checkAt)
          .then([
            {
              type: 'PaymentStatusChecked',
              data: {
                paymentHash: A.paymentHash,
                result: 'not_found_within_grace',
                detail: `404 ${GRACE_MS - 1} ms after the attempt`,
                checkedAt: checkAt.toISOString(),
              },
            },
          ])
          .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('in_flight'));
      });

      // Rule 8: a 404 counts only when seen twice, a quarter of the grace or more apart, the later past the grace.
      const seenOnce = (offsetMs: number): PayoutEvent[] => [
        ...claimed,
        ev.statusChecked(A, 'not_found_within_grace', claimedAt + offsetMs),
      ];

      it('exactly at the end of the grace period, a quarter of the grace after a first 404 -> PaymentNotFound, the hash is dead', () => {
        const checkAt = at(claimedAt + GRACE_MS);
        given(seenOnce(GRACE_MS - GRACE_MS / 4))
          .when(cmd.status(A, st.notFound()), checkAt)
          .then([{ type: 'PaymentNotFound', data: { paymentHash: A.paymentHash, attemptedAt, checkedAt: checkAt.toISOString() } }])
          .thenState((s) => {
            expect(s.hashes[A.paymentHash].outcome).toBe('not_found');
            expect(s.currentInvoice).toEqual(A);
          });
      });

      it('a first 404 long after the grace period does not count yet -> PaymentStatusChecked(not_found_unconfirmed)', () => {
        given(claimed)
          .when(cmd.status(A, st.notFound()), at(HOUR))
          .then([
            {
              type: 'PaymentStatusChecked',
              data: {
                paymentHash: A.paymentHash,
                result: 'not_found_unconfirmed',
                detail: `404 ${HOUR - claimedAt} ms after the attempt`,
                checkedAt: iso(HOUR),
              },
            },
          ])
          .thenState((s) => {
            expect(s.hashes[A.paymentHash]).toMatchObject({ outcome: 'in_flight', notFoundSince: iso(HOUR) });
            expect(s.status).toBe('PAYING');
          });
      });

      it('a second 404 less than a quarter of the grace after the first -> still not counted', () => {
        given(claimed, ev.statusChecked(A, 'not_found_unconfirmed', HOUR))
          .when(cmd.status(A, st.notFound()), at(HOUR + GRACE_MS / 4 - 1))
          .thenState((_s, events) =>
            expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_unconfirmed' } }]),
          );
        given(claimed, ev.statusChecked(A, 'not_found_unconfirmed', HOUR))
          .when(cmd.status(A, st.notFound()), at(HOUR + GRACE_MS / 4))
          .thenState((_s, events) => expect(events.map((e) => e.type)).toEqual(['PaymentNotFound']));
      });

      it('two 404s within the grace period never count, however far apart', () => {
        given(seenOnce(0))
          .when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS - 1))
          .thenState((_s, events) =>
            expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_within_grace' } }]),
          );
      });

      it('a pending answer between two 404s starts the count again', () => {
        given(seenOnce(0), ev.statusChecked(A, 'pending', claimedAt + GRACE_MS / 2))
          .when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS))
          .thenState((_s, events) =>
            expect(events).toMatchObject([{ type: 'PaymentStatusChecked', data: { result: 'not_found_unconfirmed' } }]),
          );
      });

      it('on a pending or unknown hash too', () => {
        given(seenOnce(0), ev.unknown(A, claimedAt))
          .when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS))
          .thenState((_s, e) => expect(e[0].type).toBe('PaymentNotFound'));
        given(claimed, ev.unknown(A, claimedAt))
          .when(cmd.status(A, st.notFound()), at(claimedAt + GRACE_MS - 1))
          .thenState((_s, e) => expect(e[0].type).toBe('PaymentStatusChecked'));
      });

      it('the grace and the sightings restart with a re-send of the same hash', () => {
        const reSent = [...claimed, ev.notFound(A, claimedAt, 5 * MIN), ev.attempted(A, 2, 10 * MIN)];
        given(reSent)
          .when(cmd.status(A, st.notFound()), at(10 * MIN + GRACE_MS))
          .thenState((_s, e) => expect(e).toMatchObject([{ data: { result: 'not_found_unconfirmed' } }]));
        given(reSent, ev.statusChecked(A, 'not_found_within_grace', 10 * MIN + GRACE_MS / 2))
          .when(cmd.status(A, st.notFound()), at(10 * MIN + GRACE_MS))
          .then([
            {
              type: 'PaymentNotFound',
              data: { paymentHash: A.paymentHash, attemptedAt: iso(10 * MIN), checkedAt: iso(10 * MIN + GRACE_MS) },
            },
          ]);
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
      given(claimed, ev.unknown(A), ev.escalated())
        .when(cmd.status(A, st.failed()))
        .thenState((s) => {
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
      given(history.bolt11Submitted(RAW))
        .when(cmd.expire(RAW))
        .thenState((s) => {
          expect(s.status).toBe('FAILED');
          expect(s.lastError).toContain('expired');
        });
    });

    it('a sent invoice (dead by 404) -> allowed only 60 s after its expiry (the payee may still accept it)', () => {
      const sent = [...history.addressClaimed(A), ev.notFound(A)];
      given(sent)
        .when(cmd.expire(A), at(HOUR + MIN - 1))
        .thenError('invalid_transition');
      given(sent)
        .when(cmd.expire(A), at(HOUR + MIN))
        .thenStatus('RESOLVING');
    });

    it("a fresh invoice (never sent) -> allowed before its expiry (the margin is the process's choice)", () => {
      given(history.addressResolved(A))
        .when(cmd.expire(A), at(HOUR - MIN))
        .thenStatus('RESOLVING');
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
});
