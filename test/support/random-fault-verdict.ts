import { Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import { FINAL, OrderPlan } from './random-fault-plan';
import { SERVICE_KEYS, ServiceProcess } from './service-process';
import { hashesOf, truthOf } from './service-process-fixtures';

/**
 * The verdicts of the random-fault run (test/e2e/payout-random-faults.e2e-spec.ts), from each order's payout view
 * (GET /v1/payouts/:id folds its stream) against the sandbox wallet's ledger, and what explains a violation.
 */

/** How the run ended, as the verdict needs it. */
export interface RandomFaultRunEnd {
  sandbox: Sandbox;
  orders: OrderPlan[];
  /** GET /v1/payouts/:id body per order id. */
  views: Map<string, any>;
  /** Orders the bot was refused (409 invoice_in_use): the second of two orders given one BOLT11. */
  refused: Set<string>;
  /** Orders still in the fallback view. */
  fallback: Set<string>;
  /** The order was given a BOLT11 another order was given too (judged by the second verdict only). */
  sharesInvoice: (order: OrderPlan) => boolean;
}

export interface RandomFaultVerdict {
  /** Orders per status (REFUSED_409 for a refused one). */
  outcome: Record<string, number>;
  doubles: { paidTwiceByTheWallet: number; detectedAndEscalated: number };
  /** Breaches of the exactly-once invariant (empty when it held). */
  violations: string[];
  /** Wallet payments that settled more than one order (empty when none did). */
  doubleCounted: string[];
  /** Each order given an earlier order's BOLT11, with the statuses of both. */
  reuseOrders: string[];
}

/** GET /v1/payouts/:id for every order, 20 at a time. */
export async function fetchPayoutViews(service: ServiceProcess, orders: OrderPlan[]): Promise<Map<string, any>> {
  const views = new Map<string, any>();
  for (let i = 0; i < orders.length; i += 20) {
    const batch = orders.slice(i, i + 20);
    const answers = await Promise.all(batch.map((o) => service.getPayout(o.orderId)));
    batch.forEach((o, k) => views.set(o.orderId, answers[k].body));
  }
  return views;
}

/** Checks the exactly-once invariant on every order, and that one wallet payment never settled two orders. */
export function judgeRandomFaultRun({ sandbox, orders, views, refused, fallback, sharesInvoice }: RandomFaultRunEnd): RandomFaultVerdict {
  const outcome: Record<string, number> = {};
  const doubles = { paidTwiceByTheWallet: 0, detectedAndEscalated: 0 };
  const violations: string[] = [];
  const knownHashes = new Set<string>();
  for (const order of orders) {
    const view = views.get(order.orderId);
    const status: string = refused.has(order.orderId) ? 'REFUSED_409' : (view?.status ?? 'MISSING');
    const inFallback = fallback.has(order.orderId);
    outcome[status] = (outcome[status] ?? 0) + 1;
    const hashes = hashesOf(sandbox, order);
    hashes.forEach((h) => knownHashes.add(h));
    const truth = truthOf(sandbox, hashes);
    const expected = order.amountSats * 1000;
    const user = order.lnurlUser ? `/${order.lnurlUser}` : '';
    const label = `${order.orderId} (${order.kind}${user}, ${status}${inFallback ? ', in fallback view' : ''})`;
    if (sharesInvoice(order)) continue; // second verdict
    if (truth.succeeded.length > 1) {
      // The wallet itself paid twice (it lied): allowed only when detected and escalated with every paid hash.
      doubles.paidTwiceByTheWallet++;
      const paid = truth.succeeded.map((p) => p.paymentHash);
      const shown: string[] = view?.doublePayment?.paymentHashes ?? [];
      if (order.lie === 'none')
        violations.push(`${label}: ${paid.length} payments succeeded (${paid.join(', ')}) without the wallet lying`);
      if (status !== 'NEEDS_ATTENTION' || !paid.every((h) => shown.includes(h)))
        violations.push(`${label}: the wallet paid ${paid.join(', ')}, but the payout shows ${JSON.stringify(view?.doublePayment)}`);
      else doubles.detectedAndEscalated++;
    } else if (truth.paidMsat !== 0 && truth.paidMsat !== expected)
      violations.push(`${label}: paid ${truth.paidMsat} msat, expected 0 or ${expected}`);
    if (view?.doublePayment && truth.succeeded.length < 2) violations.push(`${label}: reports a double payment the wallet never made`);
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
  for (const stray of strays) violations.push(`wallet paid ${stray.paymentHash} (${stray.amountMsat} msat), which belongs to no order`);

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
      violations.push(`${pair.join(' and ')} share one invoice, but ${pair.filter((id) => refused.has(id)).length} of them were refused`);
  }
  const doubleCounted = [...settledBy]
    .filter(([, ids]) => ids.length > 1)
    .map(([hash, ids]) => {
      const paidMsat = sandbox.lnbits.paidTotalMsatFor(hash);
      return `wallet payment ${hash} (${paidMsat} msat, paid once) settled ${ids.length} orders: ${ids.join(', ')}`;
    });
  const reuseOrders = orders
    .filter((o) => o.reusesInvoiceOf)
    .map((o) => {
      const statuses = `${views.get(o.reusesInvoiceOf!)?.status} / ${views.get(o.orderId)?.status}`;
      return `${o.orderId} reuses the BOLT11 of ${o.reusesInvoiceOf}: ${statuses}`;
    });
  return { outcome, doubles, violations, doubleCounted, reuseOrders };
}

/**
 * What happened to each order a violation names: per payment hash the wallet's record, POST count and journal
 * (what the wallet was told to do), then the order's events.
 */
export async function explainViolations(
  service: ServiceProcess,
  sandbox: Sandbox,
  orders: OrderPlan[],
  violations: string[],
  journal: Map<string, string[]>,
): Promise<string[]> {
  const details: string[] = [];
  const named = (o: OrderPlan) =>
    violations.some((v) => v.startsWith(`${o.orderId} `) || v.includes(`${o.orderId},`) || v.endsWith(` ${o.orderId}`));
  for (const order of orders.filter(named)) {
    const events = await service.auditEvents(order.orderId).catch(() => []);
    details.push(
      `${order.orderId}:`,
      ...hashesOf(sandbox, order).map((h) => {
        const payment = JSON.stringify(sandbox.lnbits.payments().find((p) => p.paymentHash === h) ?? 'no payment');
        return `  wallet ${h}: ${payment} posts=${sandbox.lnbits.postCount(h)}\n    ${(journal.get(h) ?? []).join('\n    ')}`;
      }),
      ...events.map(
        (e) => `  #${e.revision} ${e.createdAt} ${e.type} ${JSON.stringify({ ...e.data, bolt11: undefined, invoice: undefined })}`,
      ),
    );
  }
  return details;
}

/**
 * The Voltz circuit breaker's transitions (every instance, every restart) from the global log, timed from
 * `start`: did it make orders wait?
 */
export async function breakerTransitions(service: ServiceProcess, start: number): Promise<string[]> {
  const transitions: string[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
    type EventPage = { events: { stream: string; type: string; data: { at: string } }[]; next: string | null };
    const res: { body: EventPage } = await service.request('GET', `/v1/audit/events?${query}`, { key: SERVICE_KEYS.auditor });
    for (const event of res.body.events)
      if (event.stream === 'voltz-monitor') transitions.push(`+${Date.parse(event.data.at) - start}ms ${event.type}`);
    after = res.body.next;
  } while (after);
  return transitions;
}
