import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { makeTempDir } from '../support/temp-dir';
import { HttpResult, SERVICE_KEYS, ServiceProcess, stopAllServiceProcesses } from '../support/service-process';
import { dumpOnFailure, endToEndIdFor } from '../support/service-process-fixtures';

/**
 * "A 4xx records nothing, races included" (reservations of end-to-end ids and
 * payment hashes, domain/reservation): two requests create ONE orderId at the
 * same moment with different endToEndIds and different BOLT11s. One wins
 * (201), the other is refused (409) — and the loser's endToEndId and invoice
 * must stay free: a genuine later order using them is created (201). Run
 * against one service process, and against two processes sharing one data
 * dir (the race then crosses processes, settled by the store alone).
 */
const ROUNDS = 100;
const AMOUNT_SATS = 2_100;
const ENV = { FALLBACK_CRON: '0 0 1 1 *', PAYMENT_RETRY_BASE_MS: '20' };

interface Racer {
  endToEndId: string;
  bolt11: string;
  paymentHash: string;
}

function racer(label: string): Racer {
  const invoice = mintInvoice({ network: 'regtest', amountMsat: AMOUNT_SATS * 1000, expirySeconds: 3600 });
  return { endToEndId: endToEndIdFor(label), bolt11: invoice.bolt11, paymentHash: invoice.paymentHash };
}

interface StoredEvent {
  stream: string;
  type: string;
  position: string;
  data: Record<string, any>;
}

/** The whole global log, through the auditors' API. */
async function globalLog(service: ServiceProcess): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const query: string = after === null ? 'limit=1000' : `after=${after}&limit=1000`;
    const res: HttpResult<{ events: StoredEvent[]; next: string | null }> = await service.request('GET', `/v1/audit/events?${query}`, {
      key: SERVICE_KEYS.auditor,
    });
    if (res.status !== 200) throw new Error(`audit log: HTTP ${res.status}`);
    events.push(...res.body.events);
    if (res.body.next === null) return events;
    after = res.body.next;
  }
}

/**
 * Reservation streams whose last word holds a value for an order that does not
 * use it: a leak. (The order's stream says what it uses: its PixConfirmed's
 * endToEndId, the invoices of its DestinationSubmitted/AddressResolved.)
 */
function leakedReservations(log: StoredEvent[]): string[] {
  const uses = new Map<string, Set<string>>();
  const last = new Map<string, StoredEvent>();
  for (const event of log) {
    if (event.stream.startsWith('payout-')) {
      const orderId = event.stream.slice('payout-'.length);
      const used = uses.get(orderId) ?? new Set<string>();
      if (event.type === 'PixConfirmed') used.add(`e2e:${event.data.endToEndId}`);
      const invoice = event.data.invoice as { paymentHash?: string } | null | undefined;
      if (invoice?.paymentHash) used.add(`hash:${invoice.paymentHash}`);
      uses.set(orderId, used);
    }
    if (event.stream.startsWith('pix-e2e-') || event.stream.startsWith('payment-hash-')) last.set(event.stream, event);
  }
  const leaks: string[] = [];
  for (const [stream, event] of last) {
    if (event.type === 'ReservationReleased') continue;
    const value = event.type === 'EndToEndIdReserved' ? `e2e:${event.data.endToEndId}` : `hash:${event.data.paymentHash}`;
    if (!uses.get(event.data.orderId)?.has(value)) leaks.push(`${stream} held by ${event.data.orderId}, which does not use it`);
  }
  return leaks;
}

describe.each([
  ['one service process', 1],
  ['two service processes on one data dir', 2],
])('Racing creates of one orderId (%s)', (_name, processes) => {
  let sandbox: Sandbox;
  let services: ServiceProcess[] = [];
  const temp = makeTempDir('pll-races');

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
    services = await Promise.all(
      Array.from({ length: processes }, (_, i) =>
        ServiceProcess.start({ dataDir: temp.path, sandbox, env: ENV, name: `races-${processes}-${i}` }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await stopAllServiceProcesses();
    await sandbox?.close();
    temp.remove();
  });

  it(
    `${ROUNDS} rounds: one 201, one 409, and the loser's endToEndId and invoice stay free`,
    () =>
      dumpOnFailure(
        () => services,
        async () => {
          const [first, second] = [services[0], services[processes - 1]];
          const problems: string[] = [];
          for (let round = 0; round < ROUNDS; round++) {
            const orderId = `race_${processes}_${round}`;
            const racers = [racer(`${orderId}_a`), racer(`${orderId}_b`)];
            const answers = await Promise.all(
              racers.map((r, i) =>
                (i === 0 ? first : second).confirm({ orderId, endToEndId: r.endToEndId, amountSats: AMOUNT_SATS, destination: r.bolt11 }),
              ),
            );
            const statuses = answers.map((a) => a.status).sort();
            if (statuses.join() !== '201,409') {
              problems.push(`round ${round}: ${answers.map((a) => `${a.status} ${JSON.stringify(a.body).slice(0, 120)}`).join(' | ')}`);
              continue;
            }
            const loser = racers[answers.findIndex((a) => a.status === 409)];
            expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ statusCode: 409, code: 'order_conflict' });
            // A genuine order with the loser's PIX and invoice: nothing of the refused request may stand in its way.
            const genuine = await second.confirm({
              orderId: `${orderId}_genuine`,
              endToEndId: loser.endToEndId,
              amountSats: AMOUNT_SATS,
              destination: loser.bolt11,
            });
            if (genuine.status !== 201)
              problems.push(`round ${round}: the loser's values were still held: ${genuine.status} ${JSON.stringify(genuine.body)}`);
          }
          expect(problems).toEqual([]);
          expect(leakedReservations(await globalLog(first))).toEqual([]);
        },
      ),
    120_000,
  );
});
