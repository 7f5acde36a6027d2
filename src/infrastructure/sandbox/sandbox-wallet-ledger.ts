/**
 * The sandbox wallet's GROUND TRUTH: what really left the wallet, per payment
 * hash, whatever the HTTP layer told the client. Tests assert the payout
 * invariant against it (sum paid per order is 0 or exactly the amount).
 * It enforces LNbits' duplicate protection: a hash is never paid twice.
 */
export type SandboxPaymentStatus = 'pending' | 'success' | 'failed';

export interface SandboxPayment {
  paymentHash: string;
  bolt11: string;
  amountMsat: number;
  /** Routing fee actually charged (0 until settled). */
  feeMsat: number;
  /** Held back while pending: max(2 sat, 1%). */
  reserveMsat: number;
  status: SandboxPaymentStatus;
  preimage: string | null;
  createdAt: string;
  /** Status checks answered while pending (for "settle after N checks"). */
  statusChecks: number;
  settleAfterChecks: number | null;
}

export type PaymentAttempt =
  | { kind: 'recorded'; payment: SandboxPayment }
  | { kind: 'insufficient_balance' }
  | { kind: 'fee_reserve'; reserveSats: number }
  | { kind: 'duplicate'; existing: SandboxPayment };

/** docs/lightning.md: paying needs amount + max(2 sat, 1% of amount) of balance. */
function feeReserveMsat(amountMsat: number): number {
  return Math.max(2000, Math.floor(amountMsat / 100));
}

/** Where the ledger keeps itself across restarts (SandboxWalletFile); without one it lives in memory only. */
export interface SandboxWalletJournal {
  load(): { balanceMsat: number | null; payments: SandboxPayment[] };
  save(balanceMsat: number, payment: SandboxPayment | null): void;
}

export class SandboxWalletLedger {
  private readonly byHash = new Map<string, SandboxPayment>();

  constructor(
    private balance: number,
    private readonly routingFeeMsat: number,
    private readonly journal: SandboxWalletJournal | null = null,
  ) {
    if (!journal) return;
    const saved = journal.load();
    if (saved.balanceMsat === null) {
      journal.save(balance, null);
      return;
    }
    this.balance = saved.balanceMsat;
    for (const payment of saved.payments) this.byHash.set(payment.paymentHash, payment);
  }

  private persist(payment: SandboxPayment | undefined): void {
    this.journal?.save(this.balance, payment ? { ...payment } : null);
  }

  get balanceMsat(): number {
    return this.balance;
  }

  setBalance(msat: number): void {
    this.balance = msat;
    this.persist(undefined);
  }

  topUp(msat: number): void {
    this.balance += msat;
    this.persist(undefined);
  }

  get(paymentHash: string): SandboxPayment | undefined {
    return this.byHash.get(paymentHash);
  }

  all(): SandboxPayment[] {
    return [...this.byHash.values()].map((p) => ({ ...p }));
  }

  paidTotalMsatFor(paymentHash: string): number {
    const payment = this.byHash.get(paymentHash);
    return payment?.status === 'success' ? payment.amountMsat : 0;
  }

  /**
   * LNbits' order of checks: balance (and fee reserve) first, then the
   * duplicate. `allowRetryOfFailed` is LNbits 0.12, which deleted failed
   * payments and so let their hash be tried again.
   */
  attempt(input: {
    paymentHash: string;
    bolt11: string;
    amountMsat: number;
    outcome: SandboxPaymentStatus;
    preimage: string | null;
    settleAfterChecks: number | null;
    allowRetryOfFailed: boolean;
    now: Date;
  }): PaymentAttempt {
    const reserve = feeReserveMsat(input.amountMsat);
    if (this.balance < input.amountMsat) return { kind: 'insufficient_balance' };
    if (this.balance < input.amountMsat + reserve) return { kind: 'fee_reserve', reserveSats: Math.round(reserve / 1000) };
    const existing = this.byHash.get(input.paymentHash);
    if (existing && !(existing.status === 'failed' && input.allowRetryOfFailed)) return { kind: 'duplicate', existing: { ...existing } };
    const payment: SandboxPayment = {
      paymentHash: input.paymentHash,
      bolt11: input.bolt11,
      amountMsat: input.amountMsat,
      feeMsat: 0,
      reserveMsat: reserve,
      status: 'pending',
      preimage: input.preimage,
      createdAt: input.now.toISOString(),
      statusChecks: 0,
      settleAfterChecks: input.settleAfterChecks,
    };
    this.byHash.set(payment.paymentHash, payment);
    this.balance -= input.amountMsat + reserve;
    if (input.outcome === 'success') this.settle(payment.paymentHash);
    else if (input.outcome === 'failed') this.fail(payment.paymentHash);
    else this.persist(payment);
    return { kind: 'recorded', payment: { ...payment } };
  }

  /** pending -> success: the reserve comes back minus the fee actually charged. */
  settle(paymentHash: string): boolean {
    const payment = this.byHash.get(paymentHash);
    if (payment?.status !== 'pending') return false;
    payment.status = 'success';
    payment.feeMsat = Math.min(this.routingFeeMsat, payment.reserveMsat);
    this.balance += payment.reserveMsat - payment.feeMsat;
    this.persist(payment);
    return true;
  }

  /** pending -> failed: amount and reserve come back. */
  fail(paymentHash: string): boolean {
    const payment = this.byHash.get(paymentHash);
    if (payment?.status !== 'pending') return false;
    payment.status = 'failed';
    payment.preimage = null;
    this.balance += payment.amountMsat + payment.reserveMsat;
    this.persist(payment);
    return true;
  }

  /**
   * failed -> success: the wallet said "failed" but the money left after all
   * (LNbits can turn a failed payment into a success later, when its node
   * finds the HTLC settled). For rehearsing docs/architecture.md, rule 8.
   */
  succeedFailed(paymentHash: string): boolean {
    const payment = this.byHash.get(paymentHash);
    if (payment?.status !== 'failed') return false;
    const feeMsat = Math.min(this.routingFeeMsat, payment.reserveMsat);
    if (this.balance < payment.amountMsat + feeMsat) return false;
    payment.status = 'success';
    payment.feeMsat = feeMsat;
    this.balance -= payment.amountMsat + feeMsat;
    this.persist(payment);
    return true;
  }

  /** Counts a status check of a pending payment, settling it once it has been asked about often enough. */
  noteStatusCheck(paymentHash: string): void {
    const payment = this.byHash.get(paymentHash);
    if (payment?.status !== 'pending') return;
    payment.statusChecks += 1;
    if (payment.settleAfterChecks !== null && payment.statusChecks >= payment.settleAfterChecks) this.settle(paymentHash);
    else this.persist(payment);
  }
}
