import { PaymentHold } from '../../src/infrastructure/sandbox/sandbox-lnbits-server';
import { FaultRule } from '../../src/infrastructure/sandbox/sandbox-lnbits-faults';
import { Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import { CrashRestartSupervisor } from './crash-restart-supervisor';
import { FIRST_POST_FAULTS, LATER_POST_FAULTS, LNBITS_ANSWERS, drawPostFaultRules } from './random-fault-catalogue';
import { BalanceWindow, HOLD_POOL, OrderPlan, RandomFaultPlan } from './random-fault-plan';
import { intIn, streamFor, weighted } from './seeded-random';
import { sleep } from './service-process';

/**
 * The sandbox wallet playing the random-fault schedule. Every pay POST is held for a moment: its hash tells which
 * order (and which of its POSTs) it is, so the fault drawn for that POST is scoped to that hash; at the plan's kill
 * points the service dies around the POST, at its balance windows the wallet is emptied for a while, and for the
 * orders whose wallet lies, the first payment is misreported until the order's next invoice arrives.
 */
export class RandomFaultWallet {
  /** How many times each fault (and kill, lie, balance window) was used, by name. */
  readonly injected: Record<string, number> = {};
  /** Per payment hash, what the wallet was told to do with each of its POSTs (for explaining a violation). */
  readonly journal = new Map<string, string[]>();
  readonly lowBalance = { active: 0, postsWhileLow: 0 };
  /** Errors thrown while handling a held POST (the POST was released regardless). */
  readonly arrivalErrors: unknown[] = [];
  /** Pay POSTs that reached the wallet so far. */
  posts = 0;

  private nextKill = 0;
  private nextWindow = 0;
  private readonly background: Promise<unknown>[] = [];
  private readonly byHash = new Map<string, OrderPlan>();
  private readonly byUser = new Map<string, OrderPlan>();
  private mintedSeen = 0;
  private readonly sharedHashes: Set<string>;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly plan: RandomFaultPlan,
    private readonly supervisor: CrashRestartSupervisor,
    private readonly seed: number,
    /** Date.now() at the start of the test: journal entries are timed from it. */
    private readonly testStart: number,
  ) {
    for (const order of plan.orders) {
      // A reused invoice's POSTs follow the plan of the order it was first given to.
      if (order.paymentHash && !order.reusesInvoiceOf) this.byHash.set(order.paymentHash, order);
      if (order.user) this.byUser.set(order.user, order);
    }
    // Invoices given to two orders: the wallet's ground truth cannot tell which order a payment was for,
    // so these orders are judged by the second verdict only, and their POSTs get network faults only
    // (an injected LNbits answer would contradict the wallet's own duplicate answer, e.g. "failed" for a paid hash).
    this.sharedHashes = new Set(plan.orders.filter((o) => o.reusesInvoiceOf).map((o) => o.paymentHash!));
  }

  /** The order was given a BOLT11 that another order was given too. */
  sharesInvoice(order: OrderPlan): boolean {
    return order.paymentHash !== undefined && this.sharedHashes.has(order.paymentHash);
  }

  /** Starts holding pay POSTs (HOLD_POOL at a time). */
  start(): void {
    for (let i = 0; i < HOLD_POOL; i++) this.arm();
    for (const order of this.plan.orders) if (order.lnurlUser && order.lnurlUser !== 'good') this.count(`lnurl_user:${order.lnurlUser}`);
  }

  count(name: string, n = 1): void {
    this.injected[name] = (this.injected[name] ?? 0) + n;
  }

  /** Awaits every background task (restarts, late releases, balance windows), including those started while waiting. */
  async drainBackground(): Promise<void> {
    for (let done = 0; done < this.background.length; done = this.background.length) await Promise.all(this.background.slice(done));
  }

  private note(paymentHash: string, entry: string): void {
    this.journal.set(paymentHash, [...(this.journal.get(paymentHash) ?? []), `+${Date.now() - this.testStart}ms ${entry}`]);
  }

  private orderOf(paymentHash: string): OrderPlan | undefined {
    if (!this.byHash.has(paymentHash)) {
      const minted = this.sandbox.lnurl.minted();
      for (; this.mintedSeen < minted.length; this.mintedSeen++) {
        const order = this.byUser.get(minted[this.mintedSeen].username);
        if (order) this.byHash.set(minted[this.mintedSeen].paymentHash, order);
      }
    }
    return this.byHash.get(paymentHash);
  }

  private startBalanceWindow(window: BalanceWindow): void {
    const saved = this.sandbox.lnbits.balanceMsat;
    this.sandbox.lnbits.setBalance(0);
    this.lowBalance.active++;
    this.count('insufficient_balance_window');
    this.background.push(
      sleep(window.durationMs).then(() => {
        // Whatever moved meanwhile (a pending payment failing or settling) stays accounted for.
        this.sandbox.lnbits.topUp(saved);
        this.lowBalance.active--;
      }),
    );
  }

  private arm(): void {
    const hold = this.sandbox.lnbits.holdNextPayment();
    void hold.arrived.then(({ paymentHash }) => {
      try {
        this.onArrival(hold, paymentHash);
      } catch (error) {
        this.arrivalErrors.push(error);
        hold.release({ process: true });
      }
    });
  }

  private onArrival(hold: PaymentHold, paymentHash: string): void {
    const { sandbox, supervisor, seed } = this;
    const { kills, windows } = this.plan;
    this.arm();
    const ordinal = ++this.posts;
    const order = this.orderOf(paymentHash);
    const postIndex = order ? order.postsSeen++ : 0;
    const balanceLow = () => (this.lowBalance.active > 0 ? ' [balance low]' : '');
    if (this.lowBalance.active > 0) this.lowBalance.postsWhileLow++;
    if (this.nextWindow < windows.length && ordinal >= windows[this.nextWindow].atPost) this.startBalanceWindow(windows[this.nextWindow++]);

    if (order && order.lyingHash !== undefined && order.lyingHash !== paymentHash) {
      // The order's next invoice reached the wallet: the lie about the earlier one ends now (its node finds the
      // HTLC settled after all; its records catch up), so the wallet has paid this order twice if this one pays.
      if (order.lie === 'failed_then_paid' && sandbox.lnbits.succeedFailed(order.lyingHash)) this.count('lie:failed_became_paid');
      if (order.lie === 'paid_then_404') sandbox.lnbits.clearFaults(order.lyingHash);
      this.note(order.lyingHash, `lie ends: POST #${ordinal} of the next hash ${paymentHash} arrived`);
      order.lyingHash = undefined;
    }
    const killDue = this.nextKill < kills.length && ordinal >= kills[this.nextKill].atPost && !supervisor.restarting;
    const kill = killDue ? kills[this.nextKill++] : null;
    if (kill && kill.mode !== 'after_answer') {
      this.note(paymentHash, `POST #${ordinal} (order POST ${postIndex}): service killed (${kill.mode})${balanceLow()}`);
      this.background.push(
        supervisor.crash(kill.mode, ordinal, () => {
          if (kill.mode === 'mid_post_unpaid') hold.release({ process: false });
          else if (kill.mode === 'mid_post_paid') hold.release({ process: true });
          // The request surfaces at the wallet long after the crash (past the 404 grace): it must find the hash
          // already paid by the re-send (same invoice) or pay it itself — never alongside a new invoice.
          else this.background.push(sleep(intIn(streamFor(seed, 3, ordinal), 2_000, 5_000)).then(() => hold.release({ process: true })));
        }),
      );
      return;
    }

    if (order && postIndex === 0 && order.lie !== 'none' && !kill) {
      order.lyingHash = paymentHash;
      this.count(`lie:${order.lie}`);
      this.note(paymentHash, `POST #${ordinal} (order POST 0): lie ${order.lie}`);
      if (order.lie === 'failed_then_paid')
        sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
      else {
        sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: { kind: 'cloudflare', paid: true } });
        sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash, fault: { kind: 'not_found' }, times: 1_000_000 });
      }
      hold.release({ process: true });
      return;
    }
    const rng = order ? streamFor(seed, 4, order.index, postIndex) : streamFor(seed, 5, ordinal);
    let name = weighted(rng, postIndex === 0 ? FIRST_POST_FAULTS : LATER_POST_FAULTS);
    if (this.sharedHashes.has(paymentHash) && LNBITS_ANSWERS.has(name)) name = 'none';
    this.count(`pay:${name}`);
    const killNote = kill ? ` then kill after ${kill.delayMs} ms` : '';
    this.note(paymentHash, `POST #${ordinal} (order POST ${postIndex}): ${name}${balanceLow()}${killNote}`);
    const rules = drawPostFaultRules(name, rng);
    if (rules.pay) sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: rules.pay } satisfies FaultRule);
    if (rules.status) {
      this.count(`status:${rules.status.fault.kind}`, rules.status.times);
      sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash, fault: rules.status.fault, times: rules.status.times });
    }
    hold.release({ process: true });
    if (kill) {
      this.background.push(sleep(kill.delayMs).then(() => supervisor.crash(kill.mode, ordinal)));
    }
  }
}
