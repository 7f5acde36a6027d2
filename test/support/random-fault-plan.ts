import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { requiredMsat } from '../../src/domain/wallet/wallet-balance';
import { KILL_MODES, KillMode, LIES, LNURL_USERS, Lie, LnurlUser } from './random-fault-catalogue';
import { intIn, streamFor, weighted } from './seeded-random';

/**
 * The schedule of the random-fault run (test/e2e/payout-random-faults.e2e-spec.ts): its size and settings, and
 * the plan a seed draws — the orders (kinds, amounts, misbehaving users, lies, reused invoices), the kill points
 * and the low-balance windows, counted in wallet POSTs.
 *
 * RANDOM_FAULTS_SEED=<n> replays a schedule (the seed is printed first).
 * RANDOM_FAULTS_ORDERS (default 200, minimum 200) changes the count.
 */

export interface OrderPlan {
  index: number;
  orderId: string;
  /** A misbehaving bot: this order was given the very BOLT11 of that earlier order (same amount). */
  reusesInvoiceOf?: string;
  amountSats: number;
  kind: 'lightning_address' | 'bolt11';
  lnurlUser: LnurlUser | null;
  user?: string;
  paymentHash?: string;
  destination: string;
  postsSeen: number;
  /** How the wallet lies about this order's first payment. */
  lie: Lie;
  /** The hash the wallet is lying about, until the order's next invoice reaches it. */
  lyingHash?: string;
}

export interface KillPoint {
  atPost: number;
  mode: KillMode;
  delayMs: number;
}

export interface BalanceWindow {
  atPost: number;
  durationMs: number;
}

/** The statuses an order ends in. */
export const FINAL = new Set(['SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION']);
export const SEED =
  process.env.RANDOM_FAULTS_SEED !== undefined ? Number(process.env.RANDOM_FAULTS_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
export const ORDER_COUNT = Math.max(200, Number(process.env.RANDOM_FAULTS_ORDERS ?? 200) || 200);
const MAX_ORDER_SATS = 60_000;
const KILLS = 5;
/** Orders (beyond ORDER_COUNT) whose bot sends the BOLT11 of an earlier raw-invoice order again. */
export const REUSED_INVOICES = 2;
const BALANCE_WINDOWS = 3;
/** Bot connections confirming orders in parallel. */
export const SUBMITTERS = 6;
/** Pay POSTs the wallet can hold at once (each is released as soon as its fault is set). */
export const HOLD_POOL = 64;
/**
 * The settle loop gives up this long after the last order was submitted: 40 s for the default 200 orders, 100 ms more
 * per extra order. Counted from the end of submission, not the start of the file, because on a busy machine submitting
 * alone took 50 s once and left orders judged halfway through their rule-8 checks.
 */
export const SETTLE_WINDOW_MS = 40_000 + (ORDER_COUNT - 200) * 100;
/** Room for start-up, a slow submission (one minute) and the verdict (one GET per order) around the settle window. */
export const TEST_TIMEOUT_MS = 60_000 + SETTLE_WINDOW_MS + 15_000 + ORDER_COUNT * 10;
/**
 * The wallet holds enough for every order twice over (a lying wallet pays some twice) with the fee reserve, so a
 * large run judges settling, not funding; the balance windows below still empty it on purpose.
 */
export const WALLET_BALANCE_MSAT = Math.max(100_000_000_000, 2 * ORDER_COUNT * requiredMsat(MAX_ORDER_SATS * 1000));
/** The service's environment on every (re)start, and the `ledger verify` run's. */
export const RANDOM_FAULTS_ENV = {
  VOLTZ_TIMEOUT_MS: '800',
  LNURL_TIMEOUT_MS: '1000',
  PAYMENT_RETRY_BASE_MS: '25',
  PAYMENT_NOT_FOUND_GRACE_MS: '1500',
  SENT_INVOICE_EXPIRY_SLACK_MS: '1000',
  FALLBACK_CRON: '* * * * * *',
  // The breaker stays on at its default threshold; its probe is compressed like the cron (30 s -> 1 s).
  VOLTZ_PROBE_INTERVAL_MS: '1000',
};
/** The `shortlived` address user's invoices: they expire while a lying wallet still answers 404. */
export const SHORTLIVED_SECONDS = 3;

export interface RandomFaultPlan {
  orders: OrderPlan[];
  kills: KillPoint[];
  windows: BalanceWindow[];
}

/** The plan `seed` draws: ORDER_COUNT orders plus REUSED_INVOICES reusing an earlier BOLT11, KILLS kill points, BALANCE_WINDOWS windows. */
export function makePlan(seed: number, addressDomain: string): RandomFaultPlan {
  const orders: OrderPlan[] = [];
  for (let index = 0; index < ORDER_COUNT; index++) {
    const rng = streamFor(seed, 1, index);
    const orderId = `rf_${seed.toString(36)}_${index}`;
    const amountSats = intIn(rng, 1_000, MAX_ORDER_SATS);
    if (rng() < 0.35) {
      const invoice = mintInvoice({ network: 'regtest', amountMsat: amountSats * 1000, expirySeconds: 3600 });
      orders.push({
        index,
        orderId,
        amountSats,
        kind: 'bolt11',
        lnurlUser: null,
        paymentHash: invoice.paymentHash,
        destination: invoice.bolt11,
        postsSeen: 0,
        lie: 'none',
      });
    } else {
      const lnurlUser = weighted(rng, LNURL_USERS);
      const lie = lnurlUser === 'good' ? weighted(rng, LIES) : 'none';
      // A unique username per order (a +tag for the misbehaving ones, which keeps their behaviour and gives each its own counter).
      const user = lie === 'paid_then_404' ? `shortlived+rf${index}` : lnurlUser === 'good' ? `rf${index}` : `${lnurlUser}+rf${index}`;
      orders.push({
        index,
        orderId,
        amountSats,
        kind: 'lightning_address',
        lnurlUser,
        user,
        destination: `${user}@${addressDomain}`,
        postsSeen: 0,
        lie,
      });
    }
  }
  const rng = streamFor(seed, 2);
  const raw = orders.filter((o) => o.kind === 'bolt11');
  for (let d = 0; d < REUSED_INVOICES && raw.length > 0; d++) {
    const original = raw[intIn(rng, 0, raw.length - 1)];
    const index = orders.length;
    orders.push({
      ...original,
      index,
      orderId: `rf_${seed.toString(36)}_${index}_reuses_${original.index}`,
      reusesInvoiceOf: original.orderId,
      postsSeen: 0,
    });
  }
  const kills: KillPoint[] = [];
  let at = intIn(rng, 8, 25);
  for (let k = 0; k < KILLS; k++) {
    kills.push({ atPost: at, mode: weighted(rng, KILL_MODES), delayMs: intIn(rng, 0, 20) });
    at += intIn(rng, 25, 45);
  }
  const windows: BalanceWindow[] = [];
  at = intIn(rng, 15, 40);
  for (let w = 0; w < BALANCE_WINDOWS; w++) {
    windows.push({ atPost: at, durationMs: intIn(rng, 150, 500) });
    at += intIn(rng, 30, 70);
  }
  return { orders, kills, windows };
}
