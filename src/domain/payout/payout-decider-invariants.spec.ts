/**
 * The decider's invariants under random commands: seeded pseudo-random runs (no dependency) that
 * throw any command at the decider, in any order, and check the invariants of docs/architecture.md
 * after every accepted step. (The payout process itself — the production workflow and its loop over
 * a lying wallet — is property-tested in src/application/payout-process/payout-exactly-once.spec.ts.)
 * A failure names its seed: put it in SEEDS (or PAYOUT_PROPERTY_SEED=<n>) to replay the run.
 */
import { Invoice } from '../destination/invoice';
import { Http520Info, PayOutcome, PaymentStatus } from '../payment/wallet-answers';
import { PayoutCommand, ValidDestination } from './payout-commands';

import { PAYOUT_EVENT_TYPES, PayoutEvent } from './payout-events';
import { nextStep } from './payout-workflow';
import { Payout, PayoutState, deriveStatus, evolve, initialPayoutState, isLive } from './payout-state';
import { AMOUNT_MSAT, MIN, SEC, T0, TIMINGS, cloudflare520, cmd, decider, lnbits520, prng } from './payout.fixtures';

const fixedSeed = process.env.PAYOUT_PROPERTY_SEED ? [Number(process.env.PAYOUT_PROPERTY_SEED)] : null;
const SEEDS = fixedSeed ?? [1, 42, 20250709, 0xdecaf, 987654321];

/** Trace lines are formatted only when a run fails. */
type Trace = (string | (() => string))[];

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Runs `body` and, on failure, rethrows with the seed and the last commands so the run can be replayed. */
function withSeed(seed: number, trace: Trace, body: () => void): void {
  try {
    body();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const steps = trace.slice(-15).map((line) => (typeof line === 'string' ? line : line()));
    throw new Error(
      `Property failed with seed ${seed} (replay: PAYOUT_PROPERTY_SEED=${seed}).\nLast steps:\n  ${steps.join('\n  ')}\n${message}`,
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------- invariants

class Order {
  stream: PayoutEvent[] = [];
  state: PayoutState = initialPayoutState();
  everFailed = new Set<string>();
  settledEvents = 0;

  /** Applies accepted events one by one, checking the invariants around each. */
  apply(events: PayoutEvent[]): void {
    for (const event of events) {
      const before = this.state;
      check(PAYOUT_EVENT_TYPES.includes(event.type), `unknown event type ${event.type}`);
      check(JSON.stringify(JSON.parse(JSON.stringify(event))) === JSON.stringify(event), `${event.type} is not plain data`);

      if (event.type === 'PaymentAttempted') {
        if (before.status === 'NONE') throw new Error('PaymentAttempted without a payout');
        const live = Object.values(before.hashes).filter(isLive);
        if (live.length > 0) throw new Error(`PaymentAttempted(${event.data.paymentHash}) while ${live[0].paymentHash} is live`);
        if (this.everFailed.has(event.data.paymentHash)) throw new Error(`claim of the failed hash ${event.data.paymentHash}`);
        check(event.data.amountMsat === before.amountSats * 1000, `claim of ${event.data.amountMsat} msat for ${before.amountSats} sats`);
        check(event.data.attempt === before.attempts + 1, `attempt ${event.data.attempt} after ${before.attempts}`);
        check(before.settlement === null, 'claim after settlement');
      }
      if (event.type === 'AddressResolved' || event.type === 'DestinationSubmitted') {
        // Rule 3: never a new invoice while an earlier hash could still settle.
        if (before.status !== 'NONE' && Object.values(before.hashes).some(isLive)) throw new Error(`${event.type} while a hash is live`);
      }
      if (event.type === 'PaymentFailed') this.everFailed.add(event.data.paymentHash);
      if (event.type === 'PaymentSettled') this.settledEvents++;

      this.state = evolve(before, event);
      this.stream.push(event);
      const s = this.state;
      if (s.status === 'NONE') throw new Error(`no state after ${event.type}`);

      const live = Object.values(s.hashes).filter(isLive);
      if (live.length > 1) throw new Error(`${live.length} live hashes: ${live.map((h) => h.paymentHash).join(', ')}`);
      if (this.settledEvents > 1) throw new Error('a second PaymentSettled');
      if (before.status !== 'NONE' && before.settlement) check(s.settlement === before.settlement, 'the settlement changed');
      if (before.status !== 'NONE' && before.cancelled && !s.settlement) check(s.cancelled, 'un-cancelled');
      check(s.status === deriveStatus(s), `stored status ${s.status} is not the derived one`);
      if (['FAILED', 'RETRY_QUEUED', 'NEEDS_ATTENTION'].includes(s.status) && !s.lastError)
        throw new Error(`status ${s.status} without lastError`);
    }
  }

  /** Decides and applies; returns whether the command was accepted. Decisions are deterministic. */
  exec(command: PayoutCommand, now: Date, trace: Trace): boolean {
    const result = decider.decide(command, this.state, now);
    check(JSON.stringify(decider.decide(command, this.state, now)) === JSON.stringify(result), `${command.type} is not deterministic`);
    const decided = result.ok ? result.events.map((e) => e.type).join('+') || 'nothing' : result.error.code;
    trace.push(() => `${now.toISOString()} ${command.type} ${JSON.stringify(command.data).slice(0, 160)} -> ${decided}`);
    if (result.ok) this.apply(result.events);
    return result.ok;
  }
}

// ---------------------------------------------------------------- chaos: random commands

describe('exactly-once property: random commands against the decider', () => {
  const STEPS = 3000;

  it.each(SEEDS)('seed %i: invariants hold after every accepted step', (seed) => {
    const rng = prng(seed);
    const trace: Trace = [];
    let invoiceCounter = 0;
    const pool: Invoice[] = [];
    let now = T0;
    let order = new Order();
    let accepted = 0;
    const seen = new Set<string>();

    const freshInvoice = (): Invoice => {
      invoiceCounter++;
      const inv: Invoice = {
        bolt11: `lnbc${seed}x${invoiceCounter}`,
        paymentHash: `${seed.toString(16)}-${invoiceCounter}`.padStart(64, '0'),
        amountMsat: rng.chance(0.05) ? AMOUNT_MSAT + 1000 : AMOUNT_MSAT,
        expiresAt: new Date(now + (rng.chance(0.2) ? rng.int(3 * MIN) : 10 * MIN + rng.int(60 * MIN))).toISOString(),
      };
      pool.push(inv);
      return inv;
    };
    const someInvoice = (): Invoice => (pool.length > 0 && rng.chance(0.5) ? rng.pick(pool) : freshInvoice());
    const someHash = (s: Payout): string => {
      const known = Object.keys(s.hashes);
      return known.length > 0 && rng.chance(0.85) ? rng.pick(known) : someInvoice().paymentHash;
    };
    const someDestination = (): ValidDestination => {
      if (rng.chance(0.5)) return { kind: 'lightning_address', value: rng.pick(['alice@example.com', 'bob@example.com']) };
      const inv = someInvoice();
      return { kind: 'bolt11', value: inv.bolt11, invoice: inv };
    };
    const some520 = (): Http520Info | undefined =>
      rng.chance(0.5)
        ? undefined
        : rng.chance(0.5)
          ? lnbits520('Payment failed', rng.pick(['failed', 'pending', 'success', null]))
          : cloudflare520(rng.pick([520, 524]), rng.chance(0.5) ? 'ray' : null);
    const someOutcome = (): PayOutcome => {
      switch (rng.int(5)) {
        case 0:
          return { kind: 'settled', preimage: rng.chance(0.5) ? 'pre' : null, feeMsat: rng.int(3000), http520: some520() };
        case 1:
          return { kind: 'failed', reason: 'no route', newInvoiceMayHelp: rng.chance(0.7), http520: some520() };
        case 2:
          return { kind: 'pending', reason: 'in flight', http520: some520() };
        case 3:
          return { kind: 'unknown', reason: 'timeout', http520: some520() };
        default:
          return { kind: 'rejected', reason: 'limit', category: rng.pick(['configuration', 'limit', 'bad_request'] as const) };
      }
    };
    const someStatus = (): PaymentStatus =>
      rng.pick<PaymentStatus>([
        { kind: 'settled', preimage: 'pre', feeMsat: 1 },
        { kind: 'failed', reason: 'no route' },
        { kind: 'pending' },
        { kind: 'not_found' },
        { kind: 'not_found' },
        { kind: 'unknown', reason: 'down' },
        { kind: 'rejected', reason: 'bad key', category: 'configuration' },
      ]);

    const randomCommand = (s: PayoutState): PayoutCommand => {
      if (s.status === 'NONE' || rng.chance(0.01))
        return cmd.confirmPix(rng.chance(0.5) ? someDestination() : null, rng.chance(0.1) ? { amountCents: 1 } : {});
      // Mostly do what the process would do next, to get deep into the state machine...
      if (rng.chance(0.35)) {
        const step = nextStep(s, new Date(now), TIMINGS);
        switch (step.kind) {
          case 'resolve':
            return rng.chance(0.8)
              ? cmd.resolveOk(freshInvoice(), step.address)
              : cmd.resolveFail(rng.chance(0.3), 'lnurl down', step.address);
          case 'pay':
            return cmd.claim(step.invoice);
          case 'check_status':
            return cmd.status(step.payment.paymentHash, someStatus());
          case 'expire_invoice':
            return cmd.expire(step.paymentHash);
          case 'none':
            if (s.status === 'FAILED' || s.status === 'AWAITING_DESTINATION') return cmd.submit(someDestination());
            if (s.escalated) return cmd.clearEscalation();
            break;
        }
      }
      // ...and otherwise anything at all, legal or not.
      switch (rng.int(14)) {
        case 0:
          return cmd.submit(someDestination());
        case 1:
        case 2: {
          const address = s.destination?.kind === 'lightning_address' && rng.chance(0.9) ? s.destination.value : 'carol@example.com';
          return rng.chance(0.75) ? cmd.resolveOk(someInvoice(), address) : cmd.resolveFail(rng.chance(0.5), 'lnurl said no', address);
        }
        case 3:
        case 4:
          return cmd.claim(s.currentInvoice && rng.chance(0.7) ? s.currentInvoice : someInvoice());
        case 5:
        case 6:
        case 7:
          return cmd.outcome(someHash(s), someOutcome());
        case 8:
        case 9:
          return cmd.status(someHash(s), someStatus());
        case 10:
          return cmd.expire(s.currentInvoice && rng.chance(0.8) ? s.currentInvoice.paymentHash : someHash(s));
        case 11:
          return cmd.queueRetry('retries exhausted', now + 5 * MIN - T0);
        case 12:
          return rng.chance(0.5) ? cmd.escalate('too many attempts') : cmd.clearEscalation();
        default:
          return rng.chance(0.2) ? cmd.cancel('admin') : cmd.confirmPix(rng.chance(0.5) ? someDestination() : null);
      }
    };

    withSeed(seed, trace, () => {
      for (let step = 0; step < STEPS; step++) {
        // A new order now and then, so that each run also covers many young orders.
        if (
          step % 150 === 0 ||
          (order.state.status === 'SETTLED' && rng.chance(0.2)) ||
          (order.state.status === 'CANCELLED' && rng.chance(0.3))
        ) {
          order = new Order();
          trace.push('--- new order');
        }
        now += rng.int(90 * SEC);
        const command = randomCommand(order.state);
        if (order.exec(command, new Date(now), trace)) {
          accepted++;
          if (order.state.status !== 'NONE') seen.add(order.state.status);
        }
      }
    });
    // The run went deep enough to mean something.
    expect(accepted).toBeGreaterThan(STEPS / 4);
    expect(seen).toEqual(
      new Set(['AWAITING_DESTINATION', 'RESOLVING', 'PAYING', 'RETRY_QUEUED', 'SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION']),
    );
  });
});
