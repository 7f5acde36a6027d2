/**
 * Exactly-once property tests: seeded pseudo-random runs (no dependency) that drive the decider
 * and check the invariants of docs/architecture.md after every accepted step. A failure names its seed:
 * put it in SEEDS (or PAYOUT_PROPERTY_SEED=<n>) to replay the run.
 */
import { Invoice } from '../destination/invoice';
import { Http520Info, PayOutcome, PaymentStatus } from '../payment/wallet-answers';
import { PayoutCommand, ValidDestination } from './payout-commands';
import { decide } from './payout-decider';
import { PAYOUT_EVENT_TYPES, PayoutEvent } from './payout-events';
import { nextStep } from './payout-next-step';
import { PayoutState, deriveStatus, evolve, isLive } from './payout-state';
import { AMOUNT_MSAT, GRACE_MS, MARGIN_MS, MIN, SEC, T0, cloudflare520, cmd, lnbits520, prng, TIMINGS } from './payout.fixtures';

type Rng = ReturnType<typeof prng>;

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
    throw new Error(`Property failed with seed ${seed} (replay: PAYOUT_PROPERTY_SEED=${seed}).\nLast steps:\n  ${steps.join('\n  ')}\n${message}`);
  }
}

// ---------------------------------------------------------------- invariants

class Order {
  stream: PayoutEvent[] = [];
  state: PayoutState | null = null;
  everFailed = new Set<string>();
  settledEvents = 0;

  /** Applies accepted events one by one, checking the invariants around each. */
  apply(events: PayoutEvent[]): void {
    for (const event of events) {
      const before = this.state;
      check(PAYOUT_EVENT_TYPES.includes(event.type), `unknown event type ${event.type}`);
      check(JSON.stringify(JSON.parse(JSON.stringify(event))) === JSON.stringify(event), `${event.type} is not plain data`);

      if (event.type === 'PaymentAttempted') {
        if (!before) throw new Error('PaymentAttempted without a payout');
        const live = Object.values(before.hashes).filter(isLive);
        if (live.length > 0) throw new Error(`PaymentAttempted(${event.data.paymentHash}) while ${live[0].paymentHash} is live`);
        if (this.everFailed.has(event.data.paymentHash)) throw new Error(`claim of the failed hash ${event.data.paymentHash}`);
        check(event.data.amountMsat === before.amountSats * 1000, `claim of ${event.data.amountMsat} msat for ${before.amountSats} sats`);
        check(event.data.attempt === before.attempts + 1, `attempt ${event.data.attempt} after ${before.attempts}`);
        check(before.settlement === null, 'claim after settlement');
      }
      if (event.type === 'AddressResolved' || event.type === 'DestinationSubmitted') {
        // Rule 3: never a new invoice while an earlier hash could still settle.
        if (before && Object.values(before.hashes).some(isLive)) throw new Error(`${event.type} while a hash is live`);
      }
      if (event.type === 'PaymentFailed') this.everFailed.add(event.data.paymentHash);
      if (event.type === 'PaymentSettled') this.settledEvents++;

      this.state = evolve(before, event);
      this.stream.push(event);
      const s = this.state;
      if (!s) throw new Error(`no state after ${event.type}`);

      const live = Object.values(s.hashes).filter(isLive);
      if (live.length > 1) throw new Error(`${live.length} live hashes: ${live.map((h) => h.paymentHash).join(', ')}`);
      if (this.settledEvents > 1) throw new Error('a second PaymentSettled');
      if (before?.settlement) check(s.settlement === before.settlement, 'the settlement changed');
      if (before?.cancelled && !s.settlement) check(s.cancelled, 'un-cancelled');
      check(s.status === deriveStatus(s), `stored status ${s.status} is not the derived one`);
      if (['FAILED', 'RETRY_QUEUED', 'NEEDS_ATTENTION'].includes(s.status) && !s.lastError) throw new Error(`status ${s.status} without lastError`);
    }
  }

  /** Decides and applies; returns whether the command was accepted. Decisions are deterministic. */
  exec(command: PayoutCommand, now: Date, trace: Trace): boolean {
    const result = decide(command, this.state, now);
    check(JSON.stringify(decide(command, this.state, now)) === JSON.stringify(result), `${command.type} is not deterministic`);
    trace.push(() => `${now.toISOString()} ${command.type} ${JSON.stringify(command.data).slice(0, 160)} -> ${result.ok ? result.events.map((e) => e.type).join('+') || 'nothing' : result.error.code}`);
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
    const someHash = (s: PayoutState | null): string => {
      const known = s ? Object.keys(s.hashes) : [];
      return known.length > 0 && rng.chance(0.85) ? rng.pick(known) : someInvoice().paymentHash;
    };
    const someDestination = (): ValidDestination => {
      if (rng.chance(0.5)) return { kind: 'lightning_address', value: rng.pick(['alice@example.com', 'bob@example.com']) };
      const inv = someInvoice();
      return { kind: 'bolt11', value: inv.bolt11, invoice: inv };
    };
    const some520 = (): Http520Info | undefined =>
      rng.chance(0.5) ? undefined : rng.chance(0.5) ? lnbits520('Payment failed', rng.pick(['failed', 'pending', 'success', null])) : cloudflare520(rng.pick([520, 524]), rng.chance(0.5) ? 'ray' : null);
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

    const randomCommand = (s: PayoutState | null): PayoutCommand => {
      if (!s || rng.chance(0.01)) return cmd.confirmPix(rng.chance(0.5) ? someDestination() : null, rng.chance(0.1) ? { amountCents: 1 } : {});
      // Mostly do what the process would do next, to get deep into the state machine...
      if (rng.chance(0.35)) {
        const step = nextStep(s, new Date(now), TIMINGS);
        switch (step.kind) {
          case 'resolve':
            return rng.chance(0.8) ? cmd.resolveOk(freshInvoice(), step.address) : cmd.resolveFail(rng.chance(0.3), 'lnurl down', step.address);
          case 'pay':
            return cmd.claim(step.invoice);
          case 'check_status':
            return cmd.status(step.payment.paymentHash, someStatus(), GRACE_MS);
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
          return cmd.status(someHash(s), someStatus(), GRACE_MS);
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
        if (step % 150 === 0 || (order.state?.status === 'SETTLED' && rng.chance(0.2)) || (order.state?.status === 'CANCELLED' && rng.chance(0.3))) {
          order = new Order();
          trace.push('--- new order');
        }
        now += rng.int(90 * SEC);
        const command = randomCommand(order.state);
        if (order.exec(command, new Date(now), trace)) {
          accepted++;
          if (order.state) seen.add(order.state.status);
        }
      }
    });
    // The run went deep enough to mean something.
    expect(accepted).toBeGreaterThan(STEPS / 4);
    expect(seen).toEqual(new Set(['AWAITING_DESTINATION', 'RESOLVING', 'PAYING', 'RETRY_QUEUED', 'SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION']));
  });
});

// ---------------------------------------------------------------- a faulty wallet, and the money it actually moves

type WalletPayment = { status: 'pending' | 'success' | 'failed'; resolveAt: number; willSucceed: boolean };

/**
 * A simulated LNbits behind Cloudflare, faithful to docs/lightning.md:
 * requests get lost or delayed, answers get lost (unknown), payments stay pending for a while,
 * a hash is never sent twice, a re-POST of a paid hash can answer "failed", status checks tell the truth
 * (404 for what never reached the wallet). A request delayed past the grace period only surfaces when
 * the same hash is re-POSTed (the case rule 4 is built for), or never (it outlived its invoice).
 */
class FaultyWallet {
  readonly payments = new Map<string, WalletPayment>();
  private readonly delayed = new Map<string, { at: number | null; invoice: Invoice }>();
  honest = false;

  constructor(private readonly rng: Rng) {}

  private record(invoice: Invoice, now: number): WalletPayment {
    const expired = Date.parse(invoice.expiresAt) <= now;
    const willSucceed = !expired && this.rng.chance(0.7);
    const payment: WalletPayment = this.rng.chance(this.honest ? 0.2 : 0.4) && !expired
      ? { status: 'pending', resolveAt: now + this.rng.int(this.honest ? 30 * SEC : 10 * MIN), willSucceed }
      : { status: willSucceed ? 'success' : 'failed', resolveAt: now, willSucceed };
    this.payments.set(invoice.paymentHash, payment);
    return payment;
  }

  tick(now: number): void {
    for (const [hash, request] of this.delayed) {
      if (request.at !== null && request.at <= now) {
        this.delayed.delete(hash);
        if (!this.payments.has(hash)) this.record(request.invoice, request.at);
      }
    }
    for (const payment of this.payments.values()) {
      if (payment.status === 'pending' && payment.resolveAt <= now) payment.status = payment.willSucceed ? 'success' : 'failed';
    }
  }

  /** POST /api/v1/payments; null when the process "crashed" and never saw the answer. */
  pay(invoice: Invoice, now: number): PayOutcome {
    const rng = this.rng;
    this.tick(now);
    const late = this.delayed.get(invoice.paymentHash);
    if (late) {
      // The first request surfaces just before the re-send.
      this.delayed.delete(invoice.paymentHash);
      if (!this.payments.has(invoice.paymentHash)) this.record(invoice, now);
    }
    const lost = (): PayOutcome => (rng.chance(0.5) ? { kind: 'unknown', reason: 'timeout' } : { kind: 'unknown', reason: 'cloudflare', http520: cloudflare520(rng.pick([520, 524])) });
    const known = this.payments.get(invoice.paymentHash);
    if (known) {
      // LNbits never sends one hash twice; checks run limits -> balance -> duplicate.
      if (known.status === 'success') {
        return rng.chance(0.5)
          ? { kind: 'failed', reason: 'Insufficient balance.', newInvoiceMayHelp: true, http520: lnbits520('Insufficient balance.', 'failed') }
          : { kind: 'settled', preimage: null, feeMsat: 0, http520: lnbits520('Payment already paid.', 'success') };
      }
      if (known.status === 'failed') return { kind: 'failed', reason: 'retrying is not possible', newInvoiceMayHelp: true, http520: lnbits520('Payment is failed node, retrying is not possible.', 'failed') };
      return { kind: 'pending', reason: 'Payment is still pending.', http520: lnbits520('Payment is still pending.', 'pending') };
    }
    if (!this.honest) {
      if (rng.chance(0.05)) return { kind: 'rejected', reason: 'The time limit of 10 seconds between payments has been reached.', category: 'limit' };
      if (rng.chance(0.1)) return lost(); // never reached the wallet
      if (rng.chance(0.15)) {
        // Queued somewhere: surfaces within the grace period, or (rarely) only if the same hash is sent again.
        this.delayed.set(invoice.paymentHash, { at: rng.chance(0.7) ? now + rng.int(GRACE_MS - SEC) : null, invoice });
        return lost();
      }
    }
    const payment = this.record(invoice, now);
    if (!this.honest && rng.chance(0.25)) return lost(); // the money may have moved, the answer did not come back
    if (payment.status === 'success') return { kind: 'settled', preimage: 'pre', feeMsat: 2000 };
    if (payment.status === 'failed') return { kind: 'failed', reason: 'no route', newInvoiceMayHelp: rng.chance(0.9) };
    return { kind: 'pending', reason: 'in flight' };
  }

  status(hash: string, now: number): PaymentStatus {
    this.tick(now);
    if (!this.honest && this.rng.chance(0.1)) return { kind: 'unknown', reason: 'wallet unreachable' };
    const payment = this.payments.get(hash);
    if (!payment) return { kind: 'not_found' };
    if (payment.status === 'success') return { kind: 'settled', preimage: 'pre', feeMsat: 2000 };
    if (payment.status === 'failed') return { kind: 'failed', reason: 'no route' };
    return { kind: 'pending' };
  }

  successes(): string[] {
    return [...this.payments.entries()].filter(([, p]) => p.status === 'success').map(([hash]) => hash);
  }
}

describe('exactly-once property: following nextStep over a faulty wallet', () => {
  const ORDERS = 150;
  const STEPS_PER_ORDER = 40;
  const ESCALATE_AFTER_ATTEMPTS = 4; // low, so that escalations happen within a short run

  it.each(SEEDS)('seed %i: the wallet pays each order 0 or exactly once, and every order ends in a resting state', (seed) => {
    const rng = prng(seed);
    const trace: Trace = [];
    const endings = new Map<string, number>();
    const seen = new Map<string, number>();
    const count = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);

    withSeed(seed, trace, () => {
      for (let o = 0; o < ORDERS; o++) {
        trace.push(`--- order ${o}`);
        const wallet = new FaultyWallet(rng);
        const order = new Order();
        let now = T0 + o * 24 * 3600 * SEC;
        let counter = 0;
        const mint = (): Invoice => {
          counter++;
          return { bolt11: `lnbc${o}x${counter}`, paymentHash: `${seed}-${o}-${counter}`.padStart(64, '0'), amountMsat: AMOUNT_MSAT, expiresAt: new Date(now + 5 * MIN + rng.int(40 * MIN)).toISOString() };
        };
        const useAddress = rng.chance(0.7);
        const destination = (): ValidDestination => {
          if (useAddress) return { kind: 'lightning_address', value: 'alice@example.com' };
          const inv = mint();
          return { kind: 'bolt11', value: inv.bolt11, invoice: inv };
        };
        const exec = (command: PayoutCommand): boolean => order.exec(command, new Date(now), trace);

        exec(cmd.confirmPix(rng.chance(0.8) ? destination() : null));

        const step = (draining: boolean): boolean => {
          const s = order.state!;
          if (!draining && s.attempts >= ESCALATE_AFTER_ATTEMPTS && !s.escalated && !s.settlement && !s.cancelled) exec(cmd.escalate(`${s.attempts} attempts`));
          if (!draining && rng.chance(0.02)) exec(cmd.cancel('admin'));
          if (!draining && rng.chance(0.05)) exec(cmd.queueRetry('in-process retries exhausted', now + 5 * MIN - T0));
          const next = nextStep(order.state, new Date(now), TIMINGS);
          switch (next.kind) {
            case 'none':
              if (s.status === 'AWAITING_DESTINATION' || s.status === 'FAILED') {
                if (draining || rng.chance(0.5)) exec(cmd.submit(destination()));
                return true;
              }
              if (s.status === 'NEEDS_ATTENTION' && draining) {
                exec(cmd.clearEscalation());
                return true;
              }
              return false;
            case 'resolve': {
              const fails = !draining && rng.chance(0.15);
              exec(fails ? cmd.resolveFail(rng.chance(0.2), 'no such user', next.address) : cmd.resolveOk(mint(), next.address));
              return true;
            }
            case 'expire_invoice':
              exec(cmd.expire(next.paymentHash));
              return true;
            case 'check_status':
              exec(cmd.status(next.payment.paymentHash, wallet.status(next.payment.paymentHash, now), GRACE_MS));
              return true;
            case 'recheck':
              exec(cmd.recheck(next.payment.paymentHash, wallet.status(next.payment.paymentHash, now)));
              return true;
            case 'pay': {
              if (!exec(cmd.claim(next.invoice))) return true;
              const crash = !draining && rng.chance(0.05);
              if (crash && rng.chance(0.5)) return true; // died after the claim, before the POST
              const answer = wallet.pay(next.invoice, now);
              if (crash) return true; // died after the POST, before recording the answer
              exec(cmd.outcome(next.invoice.paymentHash, answer));
              return true;
            }
          }
        };

        for (let i = 0; i < STEPS_PER_ORDER; i++) {
          now += rng.int(2 * GRACE_MS);
          step(false);
          const paid = wallet.successes();
          if (paid.length > 1) throw new Error(`the wallet paid ${paid.length} hashes: ${paid.join(', ')}`);
        }

        // Drain: the wallet behaves, the customer answers, admins clear escalations; the order must come to rest.
        wallet.honest = true;
        for (let i = 0; i < 200; i++) {
          now += GRACE_MS + rng.int(GRACE_MS);
          if (!step(true)) break;
        }
        const s = order.state!;
        for (const e of order.stream) {
          count(e.type);
          if (e.type === 'PaymentOutcomeUnknown' && e.data.reason.startsWith('failed on a re-send')) count('untrusted re-send failure');
        }
        if (order.stream.some((e) => e.type === 'PaymentNotFound') && s.status === 'SETTLED') count('settled after a 404');
        const paid = wallet.successes();
        if (paid.length > 1) throw new Error(`the wallet paid ${paid.length} hashes: ${paid.join(', ')}`);
        const paidMsat = paid.length * AMOUNT_MSAT;
        expect([0, AMOUNT_MSAT]).toContain(paidMsat);
        expect(['SETTLED', 'CANCELLED']).toContain(s.status);
        if (s.status === 'SETTLED') expect(paid).toEqual([s.settlement!.paymentHash]);
        if (s.status === 'CANCELLED') expect(paid).toEqual([]);
        endings.set(s.status, (endings.get(s.status) ?? 0) + 1);
      }
    });
    expect(endings.get('SETTLED')).toBeGreaterThan(ORDERS / 2);
    // The run reached the paths that matter.
    for (const key of ['PaymentNotFound', 'PaymentRejected', 'Payment520', 'PaymentPending', 'PaymentOutcomeUnknown', 'InvoiceExpired', 'PayoutEscalated', 'DestinationRejected', 'untrusted re-send failure', 'settled after a 404']) {
      if (!seen.get(key)) throw new Error(`seed ${seed}: the run never reached ${key}`);
    }
  });
});
