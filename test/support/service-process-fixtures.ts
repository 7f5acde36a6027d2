import { createHash } from 'node:crypto';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import { PaymentHold } from '../../src/infrastructure/sandbox/sandbox-lnbits-server';
import { SandboxPayment } from '../../src/infrastructure/sandbox/sandbox-wallet-ledger';
import { sleep } from './service-process';

/** A valid, stable PIX end-to-end id per order ('E' + 31 alphanumerics): a bot retry after a crash sends the same one. */
export function endToEndIdFor(orderId: string): string {
  return `E${createHash('sha256').update(orderId).digest('hex').slice(0, 31)}`;
}

/** Ground truth for one order: every payment the wallet recorded for any of the order's payment hashes. */
export interface OrderTruth {
  hashes: string[];
  payments: SandboxPayment[];
  succeeded: SandboxPayment[];
  paidMsat: number;
  posts: number;
}

/**
 * All the payment hashes that could belong to an order: a raw BOLT11's own
 * hash, or every invoice the sandbox LNURL server minted for the order's
 * (unique) username — including invoices the service may have lost track of.
 */
export function hashesOf(sandbox: Sandbox, order: { user?: string; paymentHash?: string }): string[] {
  if (order.paymentHash) return [order.paymentHash];
  return sandbox.lnurl
    .minted()
    .filter((m) => m.username === order.user)
    .map((m) => m.paymentHash);
}

export function truthOf(sandbox: Sandbox, hashes: string[]): OrderTruth {
  const wanted = new Set(hashes);
  const payments = sandbox.lnbits.payments().filter((p) => wanted.has(p.paymentHash));
  const succeeded = payments.filter((p) => p.status === 'success');
  return {
    hashes,
    payments,
    succeeded,
    paidMsat: hashes.reduce((sum, hash) => sum + sandbox.lnbits.paidTotalMsatFor(hash), 0),
    posts: hashes.reduce((sum, hash) => sum + sandbox.lnbits.postCount(hash), 0),
  };
}

/**
 * Polls `probe` until it returns a value (not undefined), at most `timeoutMs`.
 * Only for state held by ANOTHER process (the service child), where no
 * in-process event can be awaited.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Resolves `promise`, or rejects after `ms` with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

/** Lets the sandbox (in this process) finish what a just-released hold resumed: it runs synchronously after one turn. */
export async function settleTurns(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs a test body; if it throws, prints the tail of each child's output (what the service did) before rethrowing. */
export async function dumpOnFailure<T>(
  services: () => Iterable<{ name: string; tail(chars?: number): string }>,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    for (const service of services()) process.stderr.write(`\n----- ${service.name} output (tail) -----\n${service.tail(8000)}\n`);
    throw error;
  }
}

/** An order of the mixed multi-instance scenarios: a raw BOLT11 (its hash known) or a Lightning Address (its user). */
export interface MixedOrder {
  orderId: string;
  amountSats: number;
  destination: string;
  user?: string;
  paymentHash?: string;
}

/** `count` orders, even ones a minted BOLT11, odd ones a sandbox Lightning Address of their own. */
export function mixedOrders(sandbox: Sandbox, prefix: string, count: number, satsStep: number): MixedOrder[] {
  return Array.from({ length: count }, (_, i) => {
    const amountSats = 1_000 + satsStep * i;
    if (i % 2 === 0) {
      const invoice = mintInvoice({ network: 'regtest', amountMsat: amountSats * 1000 });
      return { orderId: `${prefix}_${i}`, amountSats, destination: invoice.bolt11, paymentHash: invoice.paymentHash };
    }
    const user = `${prefix}${i}`;
    return { orderId: `${prefix}_${i}`, amountSats, destination: `${user}@${sandbox.addressDomain}`, user };
  });
}

/**
 * The first POST of each of the next `count` payment hashes gets a Cloudflare 520 before anything is paid: the
 * outcome is unknown. The wallet holds each POST just long enough to scope that fault to its hash (Lightning
 * Address hashes are only known once the LNURL server minted them). Answers the hashes faulted so far and when the last was.
 */
export function faultFirstPostOfEachHash(sandbox: Sandbox, count: number): { faulted: Set<string>; lastFaultAt: () => number } {
  const faulted = new Set<string>();
  let lastFaultAt = 0;
  const intercept = (hold: PaymentHold) =>
    void hold.arrived.then(({ paymentHash }) => {
      if (!faulted.has(paymentHash)) {
        faulted.add(paymentHash);
        sandbox.lnbits.injectFault({ endpoint: 'pay', paymentHash, fault: { kind: 'cloudflare', paid: false } });
        lastFaultAt = Date.now();
      }
      hold.release({ process: true });
    });
  for (let i = 0; i < count; i++) intercept(sandbox.lnbits.holdNextPayment());
  return { faulted, lastFaultAt: () => lastFaultAt };
}
