/** The payout decider: RecordPaymentOutcome: every wallet answer classified and recorded. */
import { PayoutEvent } from './payout-events';
import {
  GRACE_MS,
  HOUR,
  MIN,
  NOW_ISO,
  at,
  cloudflare520,
  cmd,
  ev,
  given,
  history,
  invoice,
  iso,
  lnbits520,
  out,
  run,
  st,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');

describe('decide', () => {
  // ------------------------------------------------------------------ RecordPaymentOutcome
  describe('RecordPaymentOutcome', () => {
    const claimed = history.addressClaimed(A, 1, -MIN);

    describe('without an HTTP 520', () => {
      it('settled -> PaymentSettled, SETTLED', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(undefined, 'ab'.repeat(32), 3000)))
          .then([
            { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'ab'.repeat(32), feeMsat: 3000, settledAt: NOW_ISO } },
          ])
          .thenState((s) => {
            expect(s.status).toBe('SETTLED');
            expect(s.settlement).toEqual({ paymentHash: A.paymentHash, preimage: 'ab'.repeat(32), feeMsat: 3000, settledAt: NOW_ISO });
            expect(s.hashes[A.paymentHash].outcome).toBe('settled');
          });
      });

      it('settled with no preimage -> PaymentSettled with preimage null', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(undefined, null, 0)))
          .then([{ type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: null, feeMsat: 0, settledAt: NOW_ISO } }]);
      });

      it('failed (a new invoice may help) -> PaymentFailed, the hash is dead, RESOLVING for an address', () => {
        given(claimed)
          .when(cmd.outcome(A, out.failed(true, 'no route')))
          .then([
            { type: 'PaymentFailed', data: { paymentHash: A.paymentHash, reason: 'no route', newInvoiceMayHelp: true, failedAt: NOW_ISO } },
          ])
          .thenState((s) => {
            expect(s.status).toBe('RESOLVING');
            expect(s.hashes[A.paymentHash].outcome).toBe('failed');
            expect(s.currentInvoice).toBeNull();
            expect(s.lastError).toBe('no route');
          });
      });

      it('failed (no new invoice helps) -> PaymentFailed, FAILED', () => {
        given(claimed)
          .when(cmd.outcome(A, out.failed(false, 'payee node rejects')))
          .thenState((s, events) => {
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
          .then([
            {
              type: 'PaymentRejected',
              data: { paymentHash: A.paymentHash, reason: 'Wallet not found.', category: 'configuration', rejectedAt: NOW_ISO },
            },
          ])
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
        data: {
          attempt,
          paymentHash: A.paymentHash,
          source: 'lnbits',
          httpStatus: 520,
          detail,
          lnbitsStatus,
          cfRay: null,
          receivedAt: NOW_ISO,
        },
      });
      const cloudflare = (httpStatus: number, cfRay: string | null): PayoutEvent => ({
        type: 'Payment520',
        data: {
          attempt: 1,
          paymentHash: A.paymentHash,
          source: 'cloudflare',
          httpStatus,
          detail: null,
          lnbitsStatus: null,
          cfRay,
          receivedAt: NOW_ISO,
        },
      });

      it('LNbits "Payment already paid." (success) -> Payment520 + PaymentSettled', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(lnbits520('Payment already paid.', 'success'), null, 0)))
          .then([
            lnbits('Payment already paid.', 'success'),
            { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: null, feeMsat: 0, settledAt: NOW_ISO } },
          ]);
      });

      it('LNbits "Insufficient balance." (failed) -> Payment520 + PaymentFailed', () => {
        given(claimed)
          .when(cmd.outcome(A, out.failed(true, 'Insufficient balance.', lnbits520('Insufficient balance.', 'failed'))))
          .then([
            lnbits('Insufficient balance.', 'failed'),
            {
              type: 'PaymentFailed',
              data: { paymentHash: A.paymentHash, reason: 'Insufficient balance.', newInvoiceMayHelp: true, failedAt: NOW_ISO },
            },
          ]);
      });

      it('LNbits "Payment is still pending." -> Payment520 + PaymentPending', () => {
        given(claimed)
          .when(cmd.outcome(A, out.pending(lnbits520('Payment is still pending.', 'pending'), 'Payment is still pending.')))
          .then([
            lnbits('Payment is still pending.', 'pending'),
            { type: 'PaymentPending', data: { paymentHash: A.paymentHash, reason: 'Payment is still pending.', observedAt: NOW_ISO } },
          ]);
      });

      it('LNbits 520 with no status -> Payment520(lnbitsStatus null) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(lnbits520('Something odd', null), 'unparsable status')))
          .then([
            lnbits('Something odd', null),
            { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'unparsable status', observedAt: NOW_ISO } },
          ]);
      });

      it('Cloudflare 520 HTML page -> Payment520(source cloudflare, cfRay) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(cloudflare520(520, '8a1b2c3d4e5f6789-GRU'), 'cloudflare 520')))
          .then([
            cloudflare(520, '8a1b2c3d4e5f6789-GRU'),
            { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'cloudflare 520', observedAt: NOW_ISO } },
          ]);
      });

      it('Cloudflare 524 without a CF-RAY -> Payment520(httpStatus 524, cfRay null) + PaymentOutcomeUnknown', () => {
        given(claimed)
          .when(cmd.outcome(A, out.unknown(cloudflare520(524, null), 'cloudflare 524')))
          .then([
            cloudflare(524, null),
            { type: 'PaymentOutcomeUnknown', data: { paymentHash: A.paymentHash, reason: 'cloudflare 524', observedAt: NOW_ISO } },
          ]);
      });

      it('Cloudflare page on a settled answer is still recorded (settled wins)', () => {
        given(claimed)
          .when(cmd.outcome(A, out.settled(cloudflare520())))
          .thenState((s, events) => {
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
        for (const outcome of [
          out.failed(true),
          out.failed(false),
          out.pending(lnbits520('Payment is still pending.', 'pending')),
          out.unknown(cloudflare520()),
          out.rejected(),
        ]) {
          given(events).when(cmd.outcome(A, outcome)).thenNothing();
        }
      });

      it('a second answer for one claim -> nothing', () => {
        given(claimed, ev.unknown(A))
          .when(cmd.outcome(A, out.failed(true)))
          .thenNothing();
      });

      it('settled twice -> no second PaymentSettled', () => {
        given(claimed, ev.settled(A))
          .when(cmd.outcome(A, out.settled(lnbits520('Payment already paid.', 'success'))))
          .thenNothing();
      });

      it('a late "settled" for a hash a status check declared 404 -> PaymentSettled (money truth wins)', () => {
        given(claimed, ev.notFound(A))
          .when(cmd.outcome(A, out.settled()))
          .thenState((s, events) => {
            expect(events).toEqual([
              { type: 'PaymentSettled', data: { paymentHash: A.paymentHash, preimage: 'pre', feeMsat: 2000, settledAt: NOW_ISO } },
            ]);
            expect(s.status).toBe('SETTLED');
          });
      });

      it('a late "settled" after a pending status check -> PaymentSettled', () => {
        given(claimed, ev.statusChecked(A, 'pending')).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      });

      it('a late "settled" for a dead hash while the next hash is already paid -> DoublePaymentDetected, NEEDS_ATTENTION', () => {
        const stream = [...claimed, ev.notFound(A), ev.invoiceExpired(A), ev.addressResolved(B), ev.attempted(B, 2), ev.settled(B)];
        given(stream)
          .when(cmd.outcome(A, out.settled()))
          .thenState((s, events) => {
            expect(events).toEqual([
              {
                type: 'DoublePaymentDetected',
                data: {
                  paymentHash: A.paymentHash,
                  settledPaymentHash: B.paymentHash,
                  preimage: 'pre',
                  feeMsat: 2000,
                  detectedAt: NOW_ISO,
                },
              },
            ]);
            expect(s.settlement?.paymentHash).toBe(B.paymentHash);
            expect(s.status).toBe('NEEDS_ATTENTION');
            expect(s.doublePayment).toEqual({
              paymentHashes: [B.paymentHash, A.paymentHash],
              detectedAt: NOW_ISO,
              acknowledgedAt: null,
              acknowledgeReason: null,
            });
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
            {
              type: 'DoublePaymentDetected',
              data: {
                paymentHash: later.paymentHash,
                settledPaymentHash: A.paymentHash,
                preimage: 'pre',
                feeMsat: 2000,
                detectedAt: iso(HOUR + 3 * MIN),
              },
            },
          ])
          .thenStatus('NEEDS_ATTENTION');
      });

      it('the same second hash reported paid again -> nothing new', () => {
        given(claimed, ev.settled(A), ev.doublePaid(B, A)).when(cmd.outcome(A, out.settled())).thenNothing();
      });
    });

    describe('a re-send of a hash (after a 404 or a rejected request)', () => {
      // docs/lightning.md: re-POSTing an invoice that already succeeded can answer "Insufficient balance."
      // with status failed: never conclude anything from a re-POST; ask the status endpoint.
      const reSent = [...claimed, ev.notFound(A), ev.attempted(A, 2)];

      it('a "failed" answer is not trusted -> PaymentOutcomeUnknown, the hash stays live', () => {
        given(reSent)
          .when(cmd.outcome(A, out.failed(true, 'Insufficient balance.')))
          .then([
            {
              type: 'PaymentOutcomeUnknown',
              data: {
                paymentHash: A.paymentHash,
                reason: 'failed on a re-send (Insufficient balance.): only a status check can tell',
                observedAt: NOW_ISO,
              },
            },
          ])
          .thenState((s) => expect(s.hashes[A.paymentHash].outcome).toBe('unknown'));
      });

      it('a "failed" LNbits 520 still records the Payment520', () => {
        given(reSent)
          .when(
            cmd.outcome(
              A,
              out.failed(
                false,
                'Payment is failed node, retrying is not possible.',
                lnbits520('Payment is failed node, retrying is not possible.', 'failed'),
              ),
            ),
          )
          .thenState((_s, events) => {
            expect(events.map((e) => e.type)).toEqual(['Payment520', 'PaymentOutcomeUnknown']);
          });
      });

      it('then the status endpoint decides: paid -> PaymentSettled, failed -> PaymentFailed', () => {
        const unknown = run(reSent, cmd.outcome(A, out.failed(true, 'Insufficient balance.')));
        given(unknown).when(cmd.status(A, st.settled())).thenStatus('SETTLED');
        given(unknown)
          .when(cmd.status(A, st.failed('no route')))
          .thenStatus('RESOLVING');
      });

      it('a "settled" answer is trusted', () => {
        given(reSent).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      });

      it('after a rejected request too', () => {
        given(claimed, ev.rejected(A), ev.attempted(A, 2))
          .when(cmd.outcome(A, out.failed(true)))
          .thenState((_s, events) => {
            expect(events.map((e) => e.type)).toEqual(['PaymentOutcomeUnknown']);
          });
      });
    });

    it('an unknown payment hash -> unknown_payment_hash', () => {
      given(claimed).when(cmd.outcome(B, out.settled())).thenError('unknown_payment_hash');
    });

    it('is recorded even when the payout is escalated (money truth is never dropped)', () => {
      given(claimed, ev.escalated()).when(cmd.outcome(A, out.settled())).thenStatus('SETTLED');
      given(claimed, ev.escalated())
        .when(cmd.outcome(A, out.failed(true)))
        .thenStatus('NEEDS_ATTENTION');
    });
  });
});
