import { ANY, StoredEvent } from '../../application/ports/event-store.port';
import { PayoutEvent } from '../../domain/payout/payout-events';
import { TIMINGS, ev, invoice } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SystemClock } from '../system/system-clock';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { OpenAuditPool } from './open-audit-pool';

const META = { correlationId: 'c', causationId: null, actor: 'system', schemaVersion: 1 } as const;

/** Three orders interleaved in the log: b goes on (and is paid twice) long after a and c were touched. */
async function interleavedLog(store: SqliteEventStore): Promise<StoredEvent[]> {
  const a = invoice('a');
  const b = invoice('b');
  const c = invoice('c');
  const writes: [string, PayoutEvent][] = [
    ['b', ev.pixConfirmed({ orderId: 'b' })],
    ['b', ev.bolt11Submitted(b)],
    ['a', ev.pixConfirmed({ orderId: 'a' })],
    ['b', ev.attempted(b, 1)],
    ['a', ev.bolt11Submitted(a)],
    ['c', ev.bolt11Submitted(c)],
    ['b', ev.settled(b)],
    ['a', ev.attempted(a, 1)],
    ['b', ev.settled(a)],
  ];
  for (const [index, [orderId, event]] of writes.entries())
    await store.append(payoutStreamName(orderId), [{ id: `e${index}`, type: event.type, data: event.data, metadata: META }], ANY);
  const log: StoredEvent[] = [];
  for await (const event of store.readAll()) log.push(event);
  return log;
}

async function audit(store: SqliteEventStore, log: StoredEvent[], generation: number) {
  const pool = new OpenAuditPool(store, { ...TIMINGS, claimTimeoutMs: 30_000 }, generation);
  for (const event of log) await pool.apply(event.stream.slice('payout-'.length), event);
  return { orders: pool.orders, closed: pool.close() };
}

describe('OpenAuditPool', () => {
  let store: SqliteEventStore;

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:', clock: new SystemClock() });
  });

  afterEach(() => store.close());

  it('finds what one open audit per order finds, one audit per generation, the rest reopened from their stream', async () => {
    const log = await interleavedLog(store);
    const reads = jest.spyOn(store, 'readStream');
    const roomy = await audit(store, log, 100);
    expect(reads).not.toHaveBeenCalled();
    const tight = await audit(store, log, 1);
    expect(reads).toHaveBeenCalledWith(payoutStreamName('b'));
    expect(tight).toEqual(roomy);
    expect(roomy.orders).toBe(3);
    expect(roomy.closed.map((closed) => closed.orderId)).toEqual(['b', 'a', 'c']);
    expect(roomy.closed.flatMap((closed) => closed.violations.map((v) => `${v.orderId} ${v.rule}`))).toEqual([
      'b settled_twice',
      'b settled_unclaimed',
      'c stream_start',
    ]);
  });
});
