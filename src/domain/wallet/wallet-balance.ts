/**
 * The wallet's balance as the payment gate sees it: pure, time
 * passed in. Running out of sats is an everyday incident, not a failure: a
 * payout the balance cannot cover is not POSTed but waits, and a probe that
 * shows enough balance again ends the wait.
 */

/** LNbits holds back max(2 sat, 1 % of the amount) for routing fees before it pays. */
export function feeReserveMsat(amountMsat: number): number {
  return Math.max(2_000, Math.ceil(amountMsat / 100));
}

/** The balance a payment of `amountMsat` needs. */
export function requiredMsat(amountMsat: number): number {
  return amountMsat + feeReserveMsat(amountMsat);
}

export interface WalletBalance {
  /** The last successful probe's balance; null before the first. */
  probedMsat: number | null;
  /** The probed balance less what was permitted since, so a burst between two probes cannot overdraw. */
  estimateMsat: number | null;
  /**
   * Permitted payments whose POST has not answered yet. A probe may not show them debited yet, so they are
   * taken off its balance too (if it did, they count twice until the next probe: a short wait, never an overdraft).
   */
  inFlight: { needMsat: number; at: string }[];
  /** Since when a payout has been waiting for sats; null while none is. */
  shortSince: string | null;
  /** The least a waiting payout needs: a probe showing this much ends the shortage. */
  shortOfMsat: number | null;
  /** Whether the low-balance incident is open (reported once on each change). */
  low: boolean;
}

export interface BalanceRules {
  /** WALLET_LOW_BALANCE_SATS in msat: a probed balance below it is low. */
  lowBalanceMsat: number;
  /** A permit whose POST never answered (its claim lost a race) stops counting after this long. */
  inFlightTimeoutMs: number;
}

export interface BalanceTransition {
  to: 'low' | 'restored';
  reason: string;
  balanceMsat: number | null;
  at: string;
}

export interface BalanceStep {
  balance: WalletBalance;
  transition: BalanceTransition | null;
  /** The shortage ended: the orders that waited for sats can be swept now. */
  recovered: boolean;
}

export const unknownBalance = (): WalletBalance => ({
  probedMsat: null,
  estimateMsat: null,
  inFlight: [],
  shortSince: null,
  shortOfMsat: null,
  low: false,
});

/** Why the balance cannot cover `amountMsat` now, or null when it can (or is not known yet: LNbits will say). */
export function shortfall(balance: WalletBalance, amountMsat: number): string | null {
  const need = requiredMsat(amountMsat);
  if (balance.estimateMsat === null || balance.estimateMsat >= need) return null;
  return (
    `wallet short: balance ${balance.estimateMsat} msat cannot cover ${need} msat (${amountMsat} msat + fee ` +
    `reserve); waiting for a top-up`
  );
}

/** A payment was permitted: its amount and reserve are spoken for until the next probe tells the truth. */
export function reserve(balance: WalletBalance, amountMsat: number, at: Date): WalletBalance {
  const needMsat = requiredMsat(amountMsat);
  return {
    ...balance,
    estimateMsat: balance.estimateMsat === null ? null : balance.estimateMsat - needMsat,
    inFlight: [...balance.inFlight, { needMsat, at: at.toISOString() }],
  };
}

/** A permitted payment's POST answered, whatever the answer: from now on the probes tell what it cost. */
export function recordAnswered(balance: WalletBalance, amountMsat: number): WalletBalance {
  const needMsat = requiredMsat(amountMsat);
  const index = balance.inFlight.findIndex((entry) => entry.needMsat === needMsat);
  if (index < 0) return balance;
  return { ...balance, inFlight: balance.inFlight.filter((_, i) => i !== index) };
}

/**
 * A payout of `amountMsat` cannot be paid for want of sats: refused by the
 * gate, or by LNbits itself (`refusedByWallet`: then nothing more is spent
 * until a probe shows the balance again).
 */
export function recordShortfall(
  balance: WalletBalance,
  amountMsat: number,
  detail: string,
  at: Date,
  rules: BalanceRules,
  refusedByWallet: boolean,
): BalanceStep {
  const need = requiredMsat(amountMsat);
  return settle(
    balance,
    {
      ...balance,
      estimateMsat: refusedByWallet ? 0 : balance.estimateMsat,
      shortSince: balance.shortSince ?? at.toISOString(),
      shortOfMsat: Math.min(balance.shortOfMsat ?? need, need),
    },
    `a payout of ${amountMsat} msat cannot be covered: ${detail}`,
    at,
    rules,
    false,
  );
}

/** A successful probe: its balance replaces the estimate; enough for the smallest waiting payout ends the shortage. */
export function recordBalanceProbe(balance: WalletBalance, balanceMsat: number, at: Date, rules: BalanceRules): BalanceStep {
  const inFlight = balance.inFlight.filter((entry) => at.getTime() - Date.parse(entry.at) < rules.inFlightTimeoutMs);
  const estimateMsat = balanceMsat - inFlight.reduce((sum, entry) => sum + entry.needMsat, 0);
  const recovered = balance.shortOfMsat !== null && estimateMsat >= balance.shortOfMsat;
  const next: WalletBalance = {
    ...balance,
    probedMsat: balanceMsat,
    estimateMsat,
    inFlight,
    ...(recovered ? { shortSince: null, shortOfMsat: null } : {}),
  };
  const reason =
    balanceMsat < rules.lowBalanceMsat
      ? `the probed balance ${balanceMsat} msat is below WALLET_LOW_BALANCE_SATS (${rules.lowBalanceMsat / 1000} sat)`
      : `the probed balance ${balanceMsat} msat covers WALLET_LOW_BALANCE_SATS (${rules.lowBalanceMsat / 1000} ` +
        `sat)${next.shortOfMsat === null ? '' : ' but not the smallest waiting payout'}`;
  return settle(balance, next, reason, at, rules, recovered);
}

function isLow(balance: WalletBalance, rules: BalanceRules): boolean {
  return balance.shortSince !== null || (balance.probedMsat !== null && balance.probedMsat < rules.lowBalanceMsat);
}

function settle(
  before: WalletBalance,
  after: WalletBalance,
  reason: string,
  at: Date,
  rules: BalanceRules,
  recovered: boolean,
): BalanceStep {
  const low = isLow(after, rules);
  const balance = { ...after, low };
  if (low === before.low) return { balance, transition: null, recovered };
  const restoredReason =
    `the wallet can pay again: the probed balance ${after.probedMsat} msat covers the waiting ` +
    `payouts and WALLET_LOW_BALANCE_SATS (${rules.lowBalanceMsat / 1000} sat)`;
  return {
    balance,
    transition: {
      to: low ? 'low' : 'restored',
      reason: low ? reason : restoredReason,
      balanceMsat: after.probedMsat,
      at: at.toISOString(),
    },
    recovered,
  };
}
