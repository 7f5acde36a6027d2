import { PaymentHold } from '../../src/infrastructure/sandbox/sandbox-lnbits-server';
import { FaultRule, PayFault, StatusFault } from '../../src/infrastructure/sandbox/sandbox-lnbits-faults';
import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { requiredMsat } from '../../src/domain/wallet/wallet-balance';
import { runLedger } from '../support/ledger-cli';
import { makeTempDir } from '../support/temp-dir';
import { SERVICE_KEYS, ServiceProcess, ServiceUnreachableError, sleep, stopAllServiceProcesses } from '../support/service-process';
import { dumpOnFailure, endToEndIdFor, hashesOf, truthOf } from '../support/service-process-fixtures';

/**
 * the invariant of docs/architecture.md under a seeded random fault schedule: the real
 * service (child process) pays ≥200 orders (Lightning Addresses and raw
 * BOLT11) through the sandbox wallet, which answers with faults drawn from
 * its catalogue, while the service is SIGKILLed at random points (mid-POST,
 * the wallet then paying or not, sometimes much later; right after an
 * answer) and restarted on the same data dir, and a fast cron sweeps.
 *
 * Afterwards, against the wallet's ground truth:
 *   - every order was paid 0 or exactly amountSats * 1000 msat;
 *   - every SETTLED order was paid exactly once, on the hash it reports;
 *   - every FAILED/CANCELLED order was paid nothing;
 *   - every order is SETTLED, FAILED, CANCELLED or NEEDS_ATTENTION, or still in the fallback view.
 *
 * The schedule also has a misbehaving bot: REUSED_INVOICES extra orders are
 * given the BOLT11 of an earlier order. A separate verdict checks that one
 * wallet payment never settles two orders.
 *
 * And a wallet that lies (docs/architecture.md, rule 8): some Lightning Address orders
 * get a first payment that the wallet reports failed but pays once the
 * order's next invoice arrives, or one it pays while its status endpoint
 * answers 404 until then (with invoices that expire in seconds, so the order
 * does move on to a new invoice). Such a wallet pays some orders twice: each
 * of those must be detected and escalated (NEEDS_ATTENTION with both hashes),
 * never reported SETTLED silently.
 *
 * RANDOM_FAULTS_SEED=<n> replays a schedule (the seed is printed first). The
 * schedule — kinds, amounts, faults per order and per POST, kill and
 * low-balance points counted in wallet POSTs — is fully determined by the
 * seed; which order's POST is the n-th still depends on timing.
 * RANDOM_FAULTS_ORDERS (default 200, minimum 200) changes the count.
 */

// ---- deterministic randomness ---------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per (seed, ...labels), so the plan of order 17 does not depend on how many draws order 16 made. */
function streamFor(seed: number, ...labels: number[]): () => number {
  let h = seed >>> 0;
  for (const label of labels) h = Math.imul(h ^ (label + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return mulberry32(h ^ (h >>> 16));
}

const intIn = (rng: () => number, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

function weighted<T extends string>(rng: () => number, table: Record<T, number>): T {
  const entries = Object.entries(table) as [T, number][];
  let roll = rng() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return entries[entries.length - 1][0];
}

// ---- the fault catalogue ----------------------------------------------------

type PayFaultName =
  | 'none'
  | 'lnbits520_failed'
  | 'lnbits520_pending_then_settles'
  | 'lnbits520_pending_nothing_moved'
  | 'cloudflare520_before_paying'
  | 'cloudflare520_after_paying'
  | 'cloudflare524_after_paying'
  | 'cloudflare520_after_paying_then_404_lag'
  | 'hang_after_paying'
  | 'hang_before_paying'
  | 'reset_before_paying'
  | 'reset_after_paying'
  | 'pending_201_then_settles'
  | 'http500_after_paying';

const FIRST_POST_FAULTS: Record<PayFaultName, number> = {
  none: 26,
  lnbits520_failed: 7,
  lnbits520_pending_then_settles: 6,
  lnbits520_pending_nothing_moved: 4,
  // No injected 520 "Payment already paid." (success): the sandbox would send it even when its own ledger
  // refused the payment (a low-balance window), a lie real LNbits never tells about a fresh hash. The real
  // "already paid" answer comes from the wallet's duplicate protection on re-sends, which this schedule causes.
  cloudflare520_before_paying: 8,
  cloudflare520_after_paying: 8,
  cloudflare524_after_paying: 3,
  cloudflare520_after_paying_then_404_lag: 6,
  hang_after_paying: 4,
  hang_before_paying: 3,
  reset_before_paying: 4,
  reset_after_paying: 4,
  pending_201_then_settles: 6,
  http500_after_paying: 3,
};
/** Later POSTs of an order (re-sends, new invoices) are clean 80% of the time. */
const LATER_POST_FAULTS: Record<PayFaultName, number> = {
  ...FIRST_POST_FAULTS,
  none: 4 * (Object.values(FIRST_POST_FAULTS).reduce((a, b) => a + b, 0) - FIRST_POST_FAULTS.none),
};

type StatusFaultName = 'none' | 'status_404_lag' | 'status_cloudflare520' | 'status_reset' | 'status_hang';
/** Added to a POST whose answer leaves the outcome open, so the status checks that follow misbehave too. */
const STATUS_FAULTS: Record<StatusFaultName, number> = {
  none: 65,
  status_404_lag: 15,
  status_cloudflare520: 10,
  status_reset: 6,
  status_hang: 4,
};
const OPEN_OUTCOME: ReadonlySet<PayFaultName> = new Set([
  'cloudflare520_before_paying',
  'cloudflare520_after_paying',
  'cloudflare524_after_paying',
  'hang_after_paying',
  'hang_before_paying',
  'reset_before_paying',
  'reset_after_paying',
  'http500_after_paying',
  'lnbits520_pending_nothing_moved',
]);

/** Answers LNbits itself gives (as opposed to the network's): the sandbox sends them even for a hash its ledger already holds. */
const LNBITS_ANSWERS: ReadonlySet<PayFaultName> = new Set([
  'lnbits520_failed',
  'lnbits520_pending_then_settles',
  'lnbits520_pending_nothing_moved',
  'pending_201_then_settles',
]);

function payRules(name: PayFaultName, rng: () => number): { pay: PayFault | null; status: { fault: StatusFault; times: number } | null } {
  const settleAfterChecks = intIn(rng, 1, 3);
  switch (name) {
    case 'none':
      return { pay: null, status: null };
    case 'lnbits520_failed':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'failed' }, status: null };
    case 'lnbits520_pending_then_settles':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'pending', settleAfterChecks }, status: null };
    case 'lnbits520_pending_nothing_moved':
      return { pay: { kind: 'lnbits_520', lnbitsStatus: 'pending', effect: 'none' }, status: null };
    case 'cloudflare520_before_paying':
      return { pay: { kind: 'cloudflare', paid: false }, status: null };
    case 'cloudflare520_after_paying':
      return { pay: { kind: 'cloudflare', paid: true }, status: null };
    case 'cloudflare524_after_paying':
      return { pay: { kind: 'cloudflare', paid: true, httpStatus: 524 }, status: null };
    case 'cloudflare520_after_paying_then_404_lag':
      return { pay: { kind: 'cloudflare', paid: true }, status: { fault: { kind: 'not_found' }, times: intIn(rng, 1, 3) } };
    case 'hang_after_paying':
      return { pay: { kind: 'hang', paid: true }, status: null };
    case 'hang_before_paying':
      return { pay: { kind: 'hang', paid: false }, status: null };
    case 'reset_before_paying':
      return { pay: { kind: 'reset', paid: false }, status: null };
    case 'reset_after_paying':
      return { pay: { kind: 'reset', paid: true }, status: null };
    case 'pending_201_then_settles':
      return { pay: { kind: 'pending', settleAfterChecks }, status: null };
    case 'http500_after_paying':
      return { pay: { kind: 'http', httpStatus: 500, body: 'Internal Server Error', paid: true }, status: null };
  }
}

function statusRule(name: StatusFaultName, rng: () => number): { fault: StatusFault; times: number } | null {
  switch (name) {
    case 'none':
      return null;
    case 'status_404_lag':
      return { fault: { kind: 'not_found' }, times: intIn(rng, 1, 3) };
    case 'status_cloudflare520':
      return { fault: { kind: 'cloudflare' }, times: intIn(rng, 1, 2) };
    case 'status_reset':
      return { fault: { kind: 'reset' }, times: 1 };
    case 'status_hang':
      return { fault: { kind: 'hang' }, times: 1 };
  }
}

/** Lightning Address users of the sandbox LNURL server; the misbehaving ones are chosen by username. */
type LnurlUser = 'good' | 'flaky' | 'notfound' | 'error' | 'expired' | 'wrongamount' | 'outofrange';
const LNURL_USERS: Record<LnurlUser, number> = {
  good: 82,
  flaky: 12,
  notfound: 1.5,
  error: 1.5,
  expired: 1,
  wrongamount: 1,
  outofrange: 1,
};

type KillMode = 'mid_post_paid' | 'mid_post_unpaid' | 'mid_post_paid_late' | 'after_answer';
const KILL_MODES: Record<KillMode, number> = { mid_post_paid: 3, mid_post_unpaid: 3, mid_post_paid_late: 1, after_answer: 2 };

// ---- the plan -----------------------------------------------------------------

interface OrderPlan {
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

type Lie = 'none' | 'failed_then_paid' | 'paid_then_404';
const LIES: Record<Lie, number> = { none: 92, failed_then_paid: 4, paid_then_404: 4 };

interface KillPoint {
  atPost: number;
  mode: KillMode;
  delayMs: number;
}

interface BalanceWindow {
  atPost: number;
  durationMs: number;
}

const FINAL = new Set(['SETTLED', 'FAILED', 'CANCELLED', 'NEEDS_ATTENTION']);
const SEED =
  process.env.RANDOM_FAULTS_SEED !== undefined ? Number(process.env.RANDOM_FAULTS_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const ORDER_COUNT = Math.max(200, Number(process.env.RANDOM_FAULTS_ORDERS ?? 200) || 200);
const MAX_ORDER_SATS = 60_000;
const KILLS = 5;
/** Orders (beyond ORDER_COUNT) whose bot sends the BOLT11 of an earlier raw-invoice order again. */
const REUSED_INVOICES = 2;
const BALANCE_WINDOWS = 3;
const SUBMITTERS = 6;
const HOLD_POOL = 64;
/** The settle loop gives up here (from the start of the test): 45 s for the default 200 orders, 100 ms more per extra order. */
const SETTLE_DEADLINE_MS = 45_000 + (ORDER_COUNT - 200) * 100;
/** Room for start-up and the verdict (one GET per order) beyond the settle deadline. */
const TEST_TIMEOUT_MS = SETTLE_DEADLINE_MS + 15_000 + ORDER_COUNT * 10;
/**
 * The wallet holds enough for every order twice over (a lying wallet pays some twice) with the fee reserve, so a
 * large run judges settling, not funding; the balance windows below still empty it on purpose.
 */
const WALLET_BALANCE_MSAT = Math.max(100_000_000_000, 2 * ORDER_COUNT * requiredMsat(MAX_ORDER_SATS * 1000));
const ENV = {
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
const SHORTLIVED_SECONDS = 3;

/** The Voltz circuit breaker's transitions (every instance, every restart) from the global log, timed from `start`: did it make orders wait? */
async function breakerTransitions(service: ServiceProcess, start: number): Promise<string[]> {
  const transitions: string[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
    const res: { body: { events: { stream: string; type: string; data: { at: string } }[]; next: string | null } } = await service.request(
      'GET',
      `/v1/audit/events?${query}`,
      {
        key: SERVICE_KEYS.auditor,
      },
    );
    for (const event of res.body.events)
      if (event.stream === 'voltz-monitor') transitions.push(`+${Date.parse(event.data.at) - start}ms ${event.type}`);
    after = res.body.next;
  } while (after);
  return transitions;
}

function makePlan(seed: number, addressDomain: string): { orders: OrderPlan[]; kills: KillPoint[]; windows: BalanceWindow[] } {
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

// ---- the service under test, killed and restarted -----------------------------

interface Restart {
  mode: KillMode | 'initial';
  atPost: number;
  downMs: number;
  startupMs: number | null;
}

class Supervisor {
  current!: ServiceProcess;
  readonly all: ServiceProcess[] = [];
  readonly restarts: Restart[] = [];
  private readyPromise!: Promise<ServiceProcess>;
  private busy = false;

  constructor(
    private readonly dataDir: string,
    private readonly sandbox: Sandbox,
  ) {}

  async start(): Promise<void> {
    this.readyPromise = this.spawn(1);
    this.current = await this.readyPromise;
    this.restarts.push({ mode: 'initial', atPost: 0, downMs: 0, startupMs: this.current.startupMs });
  }

  get restarting(): boolean {
    return this.busy;
  }

  ready(): Promise<ServiceProcess> {
    return this.readyPromise;
  }

  /** SIGKILL the running service, run `afterKill` (the wallet goes on, or not), start a new one on the same data dir. */
  async crash(mode: KillMode, atPost: number, afterKill?: () => void): Promise<void> {
    if (this.busy) {
      // Already down and coming back: this kill point is skipped (but the wallet still goes on).
      afterKill?.();
      return;
    }
    this.busy = true;
    const killedAt = Date.now();
    let resolve!: (service: ServiceProcess) => void;
    let reject!: (error: unknown) => void;
    this.readyPromise = new Promise<ServiceProcess>((res, rej) => ((resolve = res), (reject = rej)));
    this.readyPromise.catch(() => undefined);
    try {
      await this.current.kill('SIGKILL');
      afterKill?.();
      const next = await this.spawn(this.all.length + 1);
      this.current = next;
      this.restarts.push({ mode, atPost, downMs: Date.now() - killedAt, startupMs: next.startupMs });
      resolve(next);
    } catch (error) {
      reject(error);
    } finally {
      this.busy = false;
    }
  }

  private async spawn(generation: number): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({
      dataDir: this.dataDir,
      sandbox: this.sandbox,
      env: ENV,
      name: `random-faults#${generation}`,
    });
    this.all.push(service);
    return service;
  }
}

// ---- the test -----------------------------------------------------------------

describe(`Payout invariant under a seeded random fault schedule (seed ${SEED})`, () => {
  /** What the second verdict needs from the run of the first test. */
  const shared: { doubleCounted: string[] | null; reuseOrders: string[] } = { doubleCounted: null, reuseOrders: [] };
  let sandbox: Sandbox;
  let supervisor: Supervisor;
  const temp = makeTempDir('pll-random');
  const testStart = Date.now();

  beforeAll(async () => {
    console.log(
      `RANDOM_FAULTS_SEED=${SEED} (${ORDER_COUNT} orders + ${REUSED_INVOICES} reusing an earlier BOLT11) — replay with RANDOM_FAULTS_SEED=${SEED}`,
    );
    sandbox = await startSandbox({ network: 'regtest', shortlivedSeconds: SHORTLIVED_SECONDS, balanceMsat: WALLET_BALANCE_MSAT });
    supervisor = new Supervisor(temp.path, sandbox);
    await supervisor.start();
  }, 30_000);

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    temp.remove();
  });

  it(
    'holds the exactly-once invariant for every order',
    () =>
      dumpOnFailure(
        () => supervisor?.all ?? [],
        async () => {
          const { orders, kills, windows } = makePlan(SEED, sandbox.addressDomain);
          const byHash = new Map<string, OrderPlan>();
          const byUser = new Map<string, OrderPlan>();
          for (const order of orders) {
            // A reused invoice's POSTs follow the plan of the order it was first given to.
            if (order.paymentHash && !order.reusesInvoiceOf) byHash.set(order.paymentHash, order);
            if (order.user) byUser.set(order.user, order);
          }
          // Invoices given to two orders: the wallet's ground truth cannot tell which order a payment was for,
          // so these orders are judged by the second verdict only, and their POSTs get network faults only
          // (an injected LNbits answer would contradict the wallet's own duplicate answer, e.g. "failed" for a paid hash).
          const sharedHashes = new Set(orders.filter((o) => o.reusesInvoiceOf).map((o) => o.paymentHash!));
          const sharesInvoice = (order: OrderPlan) => order.paymentHash !== undefined && sharedHashes.has(order.paymentHash);
          let mintedSeen = 0;
          const orderOf = (paymentHash: string): OrderPlan | undefined => {
            if (!byHash.has(paymentHash)) {
              const minted = sandbox.lnurl.minted();
              for (; mintedSeen < minted.length; mintedSeen++) {
                const order = byUser.get(minted[mintedSeen].username);
                if (order) byHash.set(minted[mintedSeen].paymentHash, order);
              }
            }
            return byHash.get(paymentHash);
          };

          const injected: Record<string, number> = {};
          /** Per payment hash, what the wallet was told to do with each of its POSTs (for explaining a violation). */
          const journal = new Map<string, string[]>();
          const note = (paymentHash: string, entry: string) =>
            journal.set(paymentHash, [...(journal.get(paymentHash) ?? []), `+${Date.now() - testStart}ms ${entry}`]);
          const count = (name: string, n = 1) => (injected[name] = (injected[name] ?? 0) + n);
          let posts = 0;
          let nextKill = 0;
          let nextWindow = 0;
          const background: Promise<unknown>[] = [];
          const lowBalance = { active: 0, postsWhileLow: 0 };
          const arrivalErrors: unknown[] = [];
          /** Awaits every background task, including those started while waiting. */
          const drainBackground = async () => {
            for (let done = 0; done < background.length; done = background.length) await Promise.all(background.slice(done));
          };

          const startBalanceWindow = (window: BalanceWindow) => {
            const saved = sandbox.lnbits.balanceMsat;
            sandbox.lnbits.setBalance(0);
            lowBalance.active++;
            count('insufficient_balance_window');
            background.push(
              sleep(window.durationMs).then(() => {
                // Whatever moved meanwhile (a pending payment failing or settling) stays accounted for.
                sandbox.lnbits.topUp(saved);
                lowBalance.active--;
              }),
            );
          };

          // Every pay POST is held for a moment: its hash tells which order (and which of its POSTs) it is,
          // so the fault drawn for that POST is scoped to that hash; some POSTs are where the service dies.
          const onArrival = (hold: PaymentHold, paymentHash: string) => {
            arm();
            const ordinal = ++posts;
            const order = orderOf(paymentHash);
            const postIndex = order ? order.postsSeen++ : 0;
            if (lowBalance.active > 0) lowBalance.postsWhileLow++;
            if (nextWindow < windows.length && ordinal >= windows[nextWindow].atPost) startBalanceWindow(windows[nextWindow++]);

            if (order && order.lyingHash !== undefined && order.lyingHash !== paymentHash) {
              // The order's next invoice reached the wallet: the lie about the earlier one ends now (its node finds the
              // HTLC settled after all; its records catch up), so the wallet has paid this order twice if this one pays.
              if (order.lie === 'failed_then_paid' && sandbox.lnbits.succeedFailed(order.lyingHash)) count('lie:failed_became_paid');
              if (order.lie === 'paid_then_404') sandbox.lnbits.clearFaults(order.lyingHash);
              note(order.lyingHash, `lie ends: POST #${ordinal} of the next hash ${paymentHash} arrived`);
              order.lyingHash = undefined;
            }
            const kill = nextKill < kills.length && ordinal >= kills[nextKill].atPost && !supervisor.restarting ? kills[nextKill++] : null;
            if (kill && kill.mode !== 'after_answer') {
              note(
                paymentHash,
                `POST #${ordinal} (order POST ${postIndex}): service killed (${kill.mode})${lowBalance.active > 0 ? ' [balance low]' : ''}`,
              );
              background.push(
                supervisor.crash(kill.mode, ordinal, () => {
                  if (kill.mode === 'mid_post_unpaid') hold.release({ process: false });
                  else if (kill.mode === 'mid_post_paid') hold.release({ process: true });
                  // The request surfaces at the wallet long after the crash (past the 404 grace): it must find the hash
                  // already paid by the re-send (same invoice) or pay it itself — never alongside a new invoice.
                  else background.push(sleep(intIn(streamFor(SEED, 3, ordinal), 2_000, 5_000)).then(() => hold.release({ process: true })));
                }),
              );
              return;
            }

            if (order && postIndex === 0 && order.lie !== 'none' && !kill) {
              order.lyingHash = paymentHash;
              count(`lie:${order.lie}`);
              note(paymentHash, `POST #${ordinal} (order POST 0): lie ${order.lie}`);
              if (order.lie === 'failed_then_paid')
                sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
              else {
                sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: { kind: 'cloudflare', paid: true } });
                sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash, fault: { kind: 'not_found' }, times: 1_000_000 });
              }
              hold.release({ process: true });
              return;
            }
            const rng = order ? streamFor(SEED, 4, order.index, postIndex) : streamFor(SEED, 5, ordinal);
            let name = weighted(rng, postIndex === 0 ? FIRST_POST_FAULTS : LATER_POST_FAULTS);
            if (sharedHashes.has(paymentHash) && LNBITS_ANSWERS.has(name)) name = 'none';
            count(`pay:${name}`);
            note(
              paymentHash,
              `POST #${ordinal} (order POST ${postIndex}): ${name}${lowBalance.active > 0 ? ' [balance low]' : ''}${kill ? ` then kill after ${kill.delayMs} ms` : ''}`,
            );
            const rules = payRules(name, rng);
            const status = rules.status ?? (OPEN_OUTCOME.has(name) ? statusRule(weighted(rng, STATUS_FAULTS), rng) : null);
            if (rules.pay) sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: rules.pay } satisfies FaultRule);
            if (status) {
              count(`status:${status.fault.kind}`, status.times);
              sandbox.lnbits.injectFault({ endpoint: 'status', paymentHash, fault: status.fault, times: status.times });
            }
            hold.release({ process: true });
            if (kill) {
              background.push(sleep(kill.delayMs).then(() => supervisor.crash(kill.mode, ordinal)));
            }
          };
          const arm = () => {
            const hold = sandbox.lnbits.holdNextPayment();
            void hold.arrived.then(({ paymentHash }) => {
              try {
                onArrival(hold, paymentHash);
              } catch (error) {
                arrivalErrors.push(error);
                hold.release({ process: true });
              }
            });
          };
          for (let i = 0; i < HOLD_POOL; i++) arm();
          for (const order of orders) if (order.lnurlUser && order.lnurlUser !== 'good') count(`lnurl_user:${order.lnurlUser}`);

          // The bot: confirms every order, retrying (same values: idempotent) when the service died under it.
          let botRetries = 0;
          const refused = new Set<string>();
          const submit = async (order: OrderPlan) => {
            for (let attempt = 1; ; attempt++) {
              const service = await supervisor.ready();
              try {
                const res = await service.confirm({
                  orderId: order.orderId,
                  endToEndId: endToEndIdFor(order.orderId),
                  amountSats: order.amountSats,
                  destination: order.destination,
                });
                if (res.status === 201 || res.status === 200) return;
                // One invoice pays one order: whichever of the two orders sharing it comes second is refused.
                if (res.status === 409 && (res.body as { code?: string }).code === 'invoice_in_use' && sharesInvoice(order)) {
                  refused.add(order.orderId);
                  return;
                }
                if (res.status < 500 || attempt >= 10)
                  throw new Error(`confirm ${order.orderId}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
              } catch (error) {
                if (!(error instanceof ServiceUnreachableError) || attempt >= 30) throw error;
              }
              botRetries++;
              await sleep(50);
            }
          };
          let cursor = 0;
          await Promise.all(
            Array.from({ length: SUBMITTERS }, async () => {
              while (cursor < orders.length) await submit(orders[cursor++]);
            }),
          );
          const submittedAfterMs = Date.now() - testStart;

          // Let the service (cron sweep every second) work until every order is over and the fallback view is empty
          // (a settled order stays in it until its other hashes were looked at again: rule 8), bounded.
          let statuses = new Map<string, string>();
          for (;;) {
            const service = await supervisor.ready();
            let watched = 1;
            try {
              statuses = new Map((await service.listPayouts()).map((p) => [p.orderId as string, p.status as string]));
              watched = (await service.fallbackQueue()).length;
            } catch (error) {
              if (!(error instanceof ServiceUnreachableError)) throw error;
            }
            const open = orders.filter((o) => !refused.has(o.orderId) && !FINAL.has(statuses.get(o.orderId) ?? 'MISSING'));
            // Every order over (and no restart under way: kill points beyond the last POST are never reached), or out of time.
            if ((open.length === 0 && watched === 0 && !supervisor.restarting) || Date.now() - testStart > SETTLE_DEADLINE_MS) break;
            await sleep(300);
          }
          await drainBackground();
          const service = await supervisor.ready();
          const settledAfterMs = Date.now() - testStart;
          // Rule 9: the reconciliation against the wallet's payment list catches what status checks cannot — a wallet
          // that still answers 404 for a payment it made, on an order that gave up (FAILED) and is no longer watched.
          const reconciled = await service.request('POST', '/v1/admin/reconciliation', { key: SERVICE_KEYS.admin, timeoutMs: 60_000 });
          if (reconciled.status !== 200) throw new Error(`reconciliation: HTTP ${reconciled.status} ${JSON.stringify(reconciled.body)}`);
          const discrepancies: Record<string, number> = {};
          for (const found of reconciled.body.discrepancies as { kind: string }[])
            discrepancies[found.kind] = (discrepancies[found.kind] ?? 0) + 1;

          // ---- the verdict, from the stream (GET /v1/payouts/:id folds it) and the wallet's ledger ----
          const fallback = new Set((await service.fallbackQueue()).map((item) => item.orderId));
          const outcome: Record<string, number> = {};
          const doubles = { paidTwiceByTheWallet: 0, detectedAndEscalated: 0 };
          const violations: string[] = [];
          const knownHashes = new Set<string>();
          const views = new Map<string, any>();
          for (let i = 0; i < orders.length; i += 20) {
            const batch = orders.slice(i, i + 20);
            const answers = await Promise.all(batch.map((o) => service.getPayout(o.orderId)));
            batch.forEach((o, k) => views.set(o.orderId, answers[k].body));
          }
          for (const order of orders) {
            const view = views.get(order.orderId);
            const status: string = refused.has(order.orderId) ? 'REFUSED_409' : (view?.status ?? 'MISSING');
            const inFallback = fallback.has(order.orderId);
            outcome[status] = (outcome[status] ?? 0) + 1;
            const hashes = hashesOf(sandbox, order);
            hashes.forEach((h) => knownHashes.add(h));
            const truth = truthOf(sandbox, hashes);
            const expected = order.amountSats * 1000;
            const label = `${order.orderId} (${order.kind}${order.lnurlUser ? `/${order.lnurlUser}` : ''}, ${status}${inFallback ? ', in fallback view' : ''})`;
            if (sharesInvoice(order)) continue; // second verdict
            if (truth.succeeded.length > 1) {
              // The wallet itself paid twice (it lied): allowed only when detected and escalated with every paid hash.
              doubles.paidTwiceByTheWallet++;
              const paid = truth.succeeded.map((p) => p.paymentHash);
              const shown: string[] = view?.doublePayment?.paymentHashes ?? [];
              if (order.lie === 'none')
                violations.push(`${label}: ${paid.length} payments succeeded (${paid.join(', ')}) without the wallet lying`);
              if (status !== 'NEEDS_ATTENTION' || !paid.every((h) => shown.includes(h)))
                violations.push(
                  `${label}: the wallet paid ${paid.join(', ')}, but the payout shows ${JSON.stringify(view?.doublePayment)}`,
                );
              else doubles.detectedAndEscalated++;
            } else if (truth.paidMsat !== 0 && truth.paidMsat !== expected)
              violations.push(`${label}: paid ${truth.paidMsat} msat, expected 0 or ${expected}`);
            if (view?.doublePayment && truth.succeeded.length < 2)
              violations.push(`${label}: reports a double payment the wallet never made`);
            if (status === 'SETTLED') {
              if (truth.succeeded.length !== 1 || truth.paidMsat !== expected)
                violations.push(`${label}: SETTLED but the wallet paid ${truth.paidMsat} msat in ${truth.succeeded.length} payment(s)`);
              else if (view.paymentHash !== truth.succeeded[0].paymentHash)
                violations.push(`${label}: SETTLED on ${view.paymentHash} but the wallet paid ${truth.succeeded[0].paymentHash}`);
            }
            if ((status === 'FAILED' || status === 'CANCELLED') && truth.paidMsat !== 0)
              violations.push(`${label}: ${status} although the wallet paid ${truth.paidMsat} msat`);
            if (!FINAL.has(status) && !inFallback) violations.push(`${label}: neither in an end state nor in the fallback view`);
          }
          const strays = sandbox.lnbits.payments().filter((p) => p.status === 'success' && !knownHashes.has(p.paymentHash));
          for (const stray of strays)
            violations.push(`wallet paid ${stray.paymentHash} (${stray.amountMsat} msat), which belongs to no order`);

          // One wallet payment is the payout of one order: two SETTLED orders on the same payment means one was never paid.
          const settledBy = new Map<string, string[]>();
          for (const order of orders) {
            const view = views.get(order.orderId);
            if (view?.status === 'SETTLED') settledBy.set(view.paymentHash, [...(settledBy.get(view.paymentHash) ?? []), order.orderId]);
          }
          // Of two orders given one invoice, exactly one exists: the bot was told 409 for the other.
          for (const order of orders.filter((o) => o.reusesInvoiceOf)) {
            const pair = [order.orderId, order.reusesInvoiceOf!];
            if (pair.filter((id) => refused.has(id)).length !== 1)
              violations.push(
                `${pair.join(' and ')} share one invoice, but ${pair.filter((id) => refused.has(id)).length} of them were refused`,
              );
          }
          shared.doubleCounted = [...settledBy]
            .filter(([, ids]) => ids.length > 1)
            .map(
              ([hash, ids]) =>
                `wallet payment ${hash} (${sandbox.lnbits.paidTotalMsatFor(hash)} msat, paid once) settled ${ids.length} orders: ${ids.join(', ')}`,
            );
          shared.reuseOrders = orders
            .filter((o) => o.reusesInvoiceOf)
            .map(
              (o) =>
                `${o.orderId} reuses the BOLT11 of ${o.reusesInvoiceOf}: ${views.get(o.reusesInvoiceOf!)?.status} / ${views.get(o.orderId)?.status}`,
            );

          // Kills are counted as they really happened (a kill point reached while a restart was under way is skipped).
          for (const restart of supervisor.restarts) if (restart.mode !== 'initial') count(`kill:${restart.mode}`);
          const ledger = sandbox.lnbits.payments();
          const summary = {
            seed: SEED,
            orders: orders.length,
            kinds: {
              lightning_address: orders.filter((o) => o.kind === 'lightning_address').length,
              bolt11: orders.filter((o) => o.kind === 'bolt11').length,
            },
            outcome,
            stillInFallbackView: orders.filter((o) => fallback.has(o.orderId)).length,
            judgedByTheInvariant: orders.filter((o) => !sharesInvoice(o)).length,
            doublePayments: doubles,
            reconciliationFound: discrepancies,
            faultsInjected: Object.fromEntries(Object.entries(injected).sort(([a], [b]) => a.localeCompare(b))),
            faultRulesLeftUnused: sandbox.lnbits.pendingFaults().length,
            walletPosts: posts,
            walletPostsWhileBalanceLow: lowBalance.postsWhileLow,
            reusedInvoices: shared.reuseOrders,
            walletPayments: {
              success: ledger.filter((p) => p.status === 'success').length,
              failed: ledger.filter((p) => p.status === 'failed').length,
              pending: ledger.filter((p) => p.status === 'pending').length,
            },
            restarts: supervisor.restarts,
            voltzBreaker: await breakerTransitions(service, testStart),
            botRetries,
            timingsMs: { allSubmitted: submittedAfterMs, settledOrGaveUp: settledAfterMs, total: Date.now() - testStart },
          };
          console.log(`random-faults summary:\n${JSON.stringify(summary, null, 2)}`);
          const explain = [...violations, ...shared.doubleCounted];
          if (explain.length > 0) {
            const details: string[] = [];
            for (const order of orders.filter((o) =>
              explain.some((v) => v.startsWith(`${o.orderId} `) || v.includes(`${o.orderId},`) || v.endsWith(` ${o.orderId}`)),
            )) {
              const events = await service.auditEvents(order.orderId).catch(() => []);
              details.push(
                `${order.orderId}:`,
                ...hashesOf(sandbox, order).map(
                  (h) =>
                    `  wallet ${h}: ${JSON.stringify(sandbox.lnbits.payments().find((p) => p.paymentHash === h) ?? 'no payment')} posts=${sandbox.lnbits.postCount(h)}\n    ${(journal.get(h) ?? []).join('\n    ')}`,
                ),
                ...events.map(
                  (e) =>
                    `  #${e.revision} ${e.createdAt} ${e.type} ${JSON.stringify({ ...e.data, bolt11: undefined, invoice: undefined })}`,
                ),
              );
            }
            console.log(`VIOLATIONS (${explain.length}):\n${explain.join('\n')}\n${details.join('\n')}`);
          }

          expect(arrivalErrors).toEqual([]);
          expect(violations).toEqual([]);
          // The schedule did what it says: restarts happened, and most orders reached an end state.
          expect(supervisor.restarts.length - 1).toBeGreaterThanOrEqual(2);
          expect(orders.length).toBeGreaterThanOrEqual(200);
        },
      ),
    TEST_TIMEOUT_MS,
  );

  // Same run, separate verdict: the bot (or the customer's wallet) gives one BOLT11 for two orders. The
  // wallet pays it once; the second POST answers 520 "Payment already paid." (status success).
  it('never counts one wallet payment as the payout of two orders (one BOLT11 given for two orders)', () => {
    expect(shared.doubleCounted).not.toBeNull();
    expect(shared.doubleCounted).toEqual([]);
  });

  // The auditors' tool, on the store this run built (faults, kills, double payments): the ledger's invariants, the
  // read models against a rebuild and every hash chain, from outside the service.
  it('passes `ledger verify` on the store the run built (exit 0)', async () => {
    await stopAllServiceProcesses();
    const run = await runLedger(['verify'], { ...ENV, DATA_DIR: temp.path, LIGHTNING_NETWORK: 'regtest' });
    expect(run.stdout).toContain('all invariants held');
    // Every hash chain and digest holds too (tamper evidence): a break is listed with its stream and revision.
    expect(run.stdout.split('\n').filter((line) => line.startsWith('BREAK') || line.startsWith('VIOLATION'))).toEqual([]);
    expect(run.stdout).toMatch(/^ledger verified: /m);
    expect(run.code).toBe(0);
  }, 120_000);
});
