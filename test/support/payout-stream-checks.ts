import { StoredEvent } from '../../src/application/ports/event-store.port';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness } from './payout-harness';

/**
 * Reading a payout's event stream in a test, and the check every wallet-fault scenario ends with: the sandbox
 * wallet's ground truth says the order was paid exactly once, through the hash its settlement names.
 */

/** The statuses a payout ends in (until a human or a new destination moves it again). */
export const END_STATUSES: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];

/** Order ids `<prefix>_<tag>_<n>`, unique within the test file. */
export function orderIdMaker(prefix: string): (tag: string) => string {
  let sequence = 0;
  return (tag) => `${prefix}_${tag}_${++sequence}`;
}

/** A regtest BOLT11 for `sats`, valid for an hour (its preimage is known to the test). */
export const mintRegtestInvoice = (sats: number) => mintInvoice({ network: 'regtest', amountMsat: sats * 1000, expirySeconds: 3600 });

/** The event types of a stream, in order. */
export const eventTypes = (events: StoredEvent[]) => events.map((e) => e.type);

export const eventsOfType = (events: StoredEvent[], type: string) => events.filter((e) => e.type === type);

/** An event's data, loosely typed for assertions. */
export const eventData = (event: StoredEvent) => event.data as Record<string, any>;

/** Milliseconds since the epoch of an ISO timestamp in event data. */
export const epochMs = (iso: unknown) => Date.parse(String(iso));

/**
 * The common tail of every wallet-fault check: the money moved once, through one hash, and that hash is the
 * settlement's; every other hash the stream names was paid nothing. Returns the settlement's hash.
 */
export async function expectPaidExactlyOnce(h: PayoutHarness, orderId: string, amountSats: number): Promise<string> {
  const events = await h.events(orderId);
  const settled = eventsOfType(events, 'PaymentSettled');
  expect(settled).toHaveLength(1);
  const hash = eventData(settled[0]).paymentHash as string;
  expect(await h.paidMsat(orderId)).toBe(amountSats * 1000);
  expect(h.sandbox.lnbits.paidTotalMsatFor(hash)).toBe(amountSats * 1000);
  for (const other of (await h.paymentHashes(orderId)).filter((x) => x !== hash)) expect(h.sandbox.lnbits.paidTotalMsatFor(other)).toBe(0);
  return hash;
}

/** After each test: every injected fault was used (one left over would land on the next test's payment); none is left. */
export function expectEveryInjectedFaultUsed(h: PayoutHarness): void {
  expect(h.sandbox.lnbits.pendingFaults()).toEqual([]);
  h.sandbox.lnbits.clearFaults();
}

/** The end of a suite: the exactly-once invariant held over every order in the harness's store, then the harness closes. */
export async function closeOnceInvariantHeld(h: PayoutHarness): Promise<void> {
  expect(await h.invariantViolations()).toEqual([]);
  await h.close();
}
