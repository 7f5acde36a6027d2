import { createHash } from 'node:crypto';
import { Sandbox } from '../../src/infrastructure/sandbox/sandbox';
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
