/** The payout decider: QueueRetry, CancelPayout, escalation, and the decider's purity. */
import { RejectionCategory, RetryCause } from '../payment/wallet-answers';
import { PayoutCommand } from './payout-commands';

import { PayoutErrorCode } from './payout-errors';
import { PayoutEvent } from './payout-events';
import {
  HOUR,
  MIN,
  NOW,
  NOW_ISO,
  addressDestination,
  at,
  cmd,
  ev,
  given,
  history,
  invoice,
  iso,
  liveHistories,
  out,
  st,
  stateOf,
  decider,
} from './payout.fixtures';

const A = invoice('A');
const B = invoice('B');
const RAW = invoice('RAW');

describe('decide', () => {
  // ------------------------------------------------------------------ QueueRetry
  describe('QueueRetry', () => {
    describe('while the wallet holds the order back', () => {
      const SHORT = 'wallet short: balance 0 msat cannot cover 21210000 msat (21000000 msat + fee reserve); waiting for a top-up';
      const UNAVAILABLE = 'wallet unavailable: circuit breaker open since 2025-07-09T11:00:00.000Z';

      it.each<[RetryCause, string]>([
        ['wallet_short', SHORT],
        ['wallet_unavailable', UNAVAILABLE],
      ])('records the cause %s, and the wait is not an escalation round', (cause, reason) => {
        const events = [...history.addressResolved(A), ev.retryQueued(), ev.retryQueued()];
        given(events)
          .when(cmd.queueRetry(reason, 0, cause))
          .then([{ type: 'RetryQueued', data: { reason, nextAttemptAt: iso(0), queuedAt: NOW_ISO, cause } } as PayoutEvent])
          .thenState((s) => expect(s).toMatchObject({ status: 'RETRY_QUEUED', lastError: reason, retriesQueued: 2 }));
      });

      it('one RetryQueued per hold: a later sweep finding the wallet still short records nothing', () => {
        const waiting = [...history.addressResolved(A), ev.retryQueued(SHORT, 0, -HOUR, 'wallet_short')];
        given(waiting)
          .when(cmd.queueRetry(SHORT.replace('balance 0', 'balance 5'), 0, 'wallet_short'))
          .thenNothing();
        // Another cause is another hold; a new shortage after the order tried again (the wallet refused it) is recorded.
        given(waiting)
          .when(cmd.queueRetry(UNAVAILABLE, 0, 'wallet_unavailable'))
          .thenStatus('RETRY_QUEUED');
        given(waiting, ev.attempted(A, 1), ev.rejected(A))
          .when(cmd.queueRetry(SHORT, 0, 'wallet_short'))
          .thenState((s) => expect(s).toMatchObject({ status: 'RETRY_QUEUED', retryCause: 'wallet_short' }));
      });

      it('an attempt LNbits refused for want of sats does not count toward escalation; other refusals do', () => {
        const refused = (reason: string, category: RejectionCategory): PayoutEvent => ({
          type: 'PaymentRejected',
          data: { paymentHash: A.paymentHash, reason, category, rejectedAt: iso(0) },
        });
        const short = stateOf([
          ...history.addressClaimed(A),
          refused('LNbits 520 "Insufficient balance.": nothing was paid; retry the same invoice later', 'balance'),
        ]);
        expect(short.attempts - short.escalationBaseline.attempts).toBe(0);
        const daily = stateOf([...history.addressClaimed(A), refused('LNbits 520 "Daily withdrawal limit reached"', 'limit')]);
        expect(daily.attempts - daily.escalationBaseline.attempts).toBe(1);
      });
    });

    it.each<[string, PayoutEvent[]]>([
      ['RESOLVING', history.addressSubmitted()],
      ['PAYING', history.addressResolved(A)],
      ['PAYING with a live hash', [...history.addressClaimed(A), ev.unknown(A)]],
      ['RETRY_QUEUED', [...history.addressResolved(A), ev.retryQueued()]],
    ])('while %s -> RetryQueued, RETRY_QUEUED with lastError', (_name, events) => {
      given(events)
        .when(cmd.queueRetry('wallet unreachable', 10 * MIN))
        .then([
          { type: 'RetryQueued', data: { reason: 'wallet unreachable', nextAttemptAt: iso(10 * MIN), queuedAt: NOW_ISO, cause: null } },
        ])
        .thenState((s) => {
          expect(s.status).toBe('RETRY_QUEUED');
          expect(s.lastError).toBe('wallet unreachable');
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
      ['SubmitDestination (another destination)', 'cancelled', cmd.submit(addressDestination('bob@example.com'))],
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

    it.each<[string, PayoutEvent[]]>([
      ['awaiting a destination', history.confirmed()],
      ['failed', [...history.addressSubmitted(), ev.destinationRejected(true)]],
      ['settled', [...history.addressClaimed(A), ev.settled(A)]],
      ['cancelled', [...history.addressResolved(A), ev.cancelled()]],
    ])('clear (an admin retry) when %s and not escalated -> nothing_to_retry', (_name, events) => {
      given(events).when(cmd.clearEscalation()).thenError('nothing_to_retry');
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
      const result = decider.decide(cmd.claim(c), stateOf(history.addressResolved(c)), later);
      expect(result).toEqual({
        ok: true,
        events: [expect.objectContaining({ data: expect.objectContaining({ attemptedAt: later.toISOString() }) })],
      });
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });

    it('does not mutate the state it is given', () => {
      const state = stateOf(history.addressClaimed(A));
      const snapshot = JSON.parse(JSON.stringify(state));
      decider.decide(cmd.outcome(A, out.settled()), state, NOW);
      decider.decide(cmd.status(A, st.notFound()), state, at(HOUR));
      expect(state).toEqual(snapshot);
    });
  });
});
