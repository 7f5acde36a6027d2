import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { payoutStreamName } from '../../src/domain/streams/stream-names';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { SystemClock } from '../../src/infrastructure/system/system-clock';
import { ledgerEnv, runLedger } from '../support/ledger-cli';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { makeTempDir } from '../support/temp-dir';

/**
 * The auditors' CLI as a child process (output and exit code) over a store a
 * real app built: replay, export, verify (clean, then with a read-model row
 * deleted, then with a planted second settlement), rebuild (refused while the
 * service has the file open), and bad usage or a missing store (exit 2).
 */
// Each test spawns the CLI (a Node process loading TypeScript) several times: slow on a loaded machine.
jest.setTimeout(120_000);

describe('ledger CLI', () => {
  const temp = makeTempDir('pll-ledger-cli');
  let h: PayoutHarness | null = null;
  // The service's own timing configuration: the fallback view's due times depend on it.
  const env = () => ({ ...ledgerEnv(temp.path), VOLTZ_TIMEOUT_MS: '1000', PAYMENT_NOT_FOUND_GRACE_MS: '1000' });

  beforeAll(async () => {
    h = await startPayoutHarness({}, temp.path);
    for (const [orderId, sats] of [
      ['cli-a', 1000],
      ['cli-b', 2500],
      ['cli-c', 700],
    ] as const)
      await h.confirm(orderId, sats, h.address('alice'));
    for (const orderId of ['cli-a', 'cli-b', 'cli-c']) await h.waitForStatus(orderId, ['SETTLED']);
    await h.confirm('cli-waiting', 300);
    await h.projectionsCaughtUp();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    temp.remove();
  });

  it('refuses to rebuild while the service has the store open (exit 2)', async () => {
    const run = await runLedger(['rebuild'], env());
    expect(run.stderr).toMatch(/refusing to rebuild: .* is open by another process/);
    expect(run.code).toBe(2);
  });

  it('verifies a clean ledger while the service runs (exit 0)', async () => {
    const run = await runLedger(['verify'], env());
    expect(run.stdout).toMatch(/verified 4 orders over \d+ events/);
    expect(run.stdout).toContain('all invariants held');
    expect(run.code).toBe(0);
  });

  it('replays an order as a timeline and as JSON lines; an unknown order is exit 2', async () => {
    const timeline = await runLedger(['replay', 'cli-a'], env());
    expect(timeline.code).toBe(0);
    const lines = timeline.stdout.trim().split('\n');
    expect(lines[0]).toBe(payoutStreamName('cli-a'));
    expect(lines[1]).toMatch(/^ {3}\d{4}-\d\d-\d\dT[\d:.]+Z {2}#0 {3}PixConfirmed .*amountSats=1000 .*\[bot [0-9a-f-]+\]$/);
    expect(timeline.stdout).toMatch(/#\d+ +PaymentSettled .*paymentHash=\w{10}…\w{6} .*\[system /);
    const json = await runLedger(['replay', 'cli-a', '--json'], env());
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['PixConfirmed', 'PaymentAttempted', 'PaymentSettled']));
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    const unknown = await runLedger(['replay', 'no-such-order'], env());
    expect(unknown.stderr).toContain('no stream payout-no-such-order');
    expect(unknown.code).toBe(2);
  });

  it('exports the settled payouts of a period as CSV and JSON lines', async () => {
    const csv = await runLedger(['export', '--from', '2000-01-01', '--to', '2100-01-01'], env());
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    expect(header).toBe('orderId,endToEndId,amountCents,amountSats,feeMsat,paymentHash,preimage,settledAt,outflow');
    expect(rows.map((row) => row.split(',')[0]).sort()).toEqual(['cli-a', 'cli-b', 'cli-c']);
    expect(rows.find((row) => row.startsWith('cli-b,'))).toMatch(
      /^cli-b,E\w+,5000,2500,\d+,[0-9a-f]{64},[0-9a-f]{64},\d{4}-[\d:.TZ-]+,payout$/,
    );
    const jsonl = await runLedger(['export', '--from', '2000-01-01', '--to', '2100-01-01', '--format', 'jsonl'], env());
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).amountSats)
        .sort(),
    ).toEqual([1000, 2500, 700]);
    const none = await runLedger(['export', '--from', '2000-01-01', '--to', '2000-01-02'], env());
    expect(none.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('a backup taken during a burst verifies as a copy with only DATA_DIR set (exit 0)', async () => {
    const copy = makeTempDir('pll-ledger-backup');
    try {
      const burst = Array.from({ length: 20 }, (_, i) => h!.confirm(`cli-burst-${i}`, 100 + i, h!.address('alice')));
      const backup = await runLedger(['backup', join(copy.path, 'events.sqlite')], env());
      expect(backup.stdout).toMatch(/^backup of .* written to .*events\.sqlite \(\d+ pages\)$/m);
      expect(backup.code).toBe(0);
      await Promise.all(burst);
      // Only DATA_DIR: whatever timings shaped the fallback view are read from the copy itself.
      const verified = await runLedger(['verify'], ledgerEnv(copy.path));
      expect(verified.stdout).toContain('all invariants held');
      expect(verified.code).toBe(0);
      expect((await runLedger(['backup', join(copy.path, 'events.sqlite')], env())).stderr).toMatch(/exists: refusing to overwrite it/);
    } finally {
      copy.remove();
    }
  });

  it('answers bad usage with exit 2 and a message', async () => {
    const cases: [string[], RegExp][] = [
      [['export', '--from', 'yesterday', '--to', '2100-01-01'], /--from must be an ISO date/],
      [['export', '--from', '2000-01-01'], /required option '--to <date>' not specified/],
      [['export', '--from', '2000-01-01', '--to', '2100-01-01', '--format', 'xml'], /--format must be csv or jsonl/],
      [['verify', '--frobnicate'], /unknown option '--frobnicate'/],
      [['replay'], /missing required argument 'orderId'/],
      [['audit'], /unknown command 'audit'/],
      [['reconcile'], /no wallet configured: set VOLTZ_URL/],
    ];
    const [help, badConfig, ...runs] = await inBatches([
      () => runLedger(['verify', '--help'], env()),
      () => runLedger(['verify'], { ...env(), EVENT_STORE: 'mysql' }),
      ...cases.map(
        ([args]) =>
          () =>
            runLedger(args, env()),
      ),
    ]);
    cases.forEach(([args, message], i) => {
      expect({ args, stderr: runs[i].stderr }).toEqual({ args, stderr: expect.stringMatching(message) });
      expect({ args, code: runs[i].code }).toEqual({ args, code: 2 });
    });
    expect(help.stdout).toContain('Usage: ledger verify');
    expect(help.stdout).toContain('Exit codes: 0 all held, 1 a violation or discrepancy was found (listed), 2 bad usage or configuration.');
    expect(help.stdout).toMatch(/^Reads: EVENT_STORE, DATA_DIR, .*VOLTZ_TIMEOUT_MS/m);
    expect(help.code).toBe(0);
    expect(badConfig.stderr).toMatch(/invalid configuration:\n {2}EVENT_STORE/);
    expect(badConfig.code).toBe(2);
  }, 240_000);

  it('exits 2 on a missing store, and creates nothing there', async () => {
    const empty = makeTempDir('pll-ledger-empty');
    try {
      const commands = [['verify'], ['replay', 'cli-a'], ['rebuild'], ['export', '--from', '2000-01-01', '--to', '2001-01-01']];
      const runs = await inBatches(commands.map((command) => () => runLedger(command, ledgerEnv(empty.path))));
      commands.forEach((command, i) => {
        expect({ command, stderr: runs[i].stderr }).toEqual({
          command,
          stderr: expect.stringContaining(`no store at ${join(empty.path, 'events.sqlite')}`),
        });
        expect(runs[i].code).toBe(2);
      });
      expect(existsSync(join(empty.path, 'events.sqlite'))).toBe(false);
    } finally {
      empty.remove();
    }
  }, 120_000);

  describe('once the service is stopped', () => {
    beforeAll(async () => {
      await h?.close();
      h = null;
    });

    it('finds a deleted read-model row (exit 1, naming the order) and rebuild repairs it', async () => {
      const db = new Database(join(temp.path, 'events.sqlite'));
      db.prepare('DELETE FROM payouts WHERE order_id = ?').run('cli-b');
      db.close();
      const broken = await runLedger(['verify'], env());
      expect(broken.stdout).toContain('VIOLATION read_model order cli-b: payouts: missing in live (key cli-b)');
      expect(broken.code).toBe(1);

      const rebuilt = await runLedger(['rebuild'], env());
      expect(rebuilt.stdout).toMatch(/rebuilt the read models from \d+ events .*the webhook outbox was left alone/);
      expect(rebuilt.code).toBe(0);
      expect((await runLedger(['verify'], env())).code).toBe(0);
    });

    it('finds a second PaymentSettled with another hash (exit 1, naming the order)', async () => {
      const store = new SqliteEventStore({ filename: join(temp.path, 'events.sqlite'), clock: new SystemClock() });
      const stream = payoutStreamName('cli-c');
      let revision = -1;
      for await (const event of store.readStream(stream)) revision = event.revision;
      const planted = 'ab'.repeat(32);
      await store.append(
        stream,
        [
          {
            id: '0190aaaa-0000-7000-8000-000000000001',
            type: 'PaymentSettled',
            data: { paymentHash: planted, preimage: null, feeMsat: 0, settledAt: new Date().toISOString() },
            metadata: { correlationId: 'test', causationId: null, actor: 'system', schemaVersion: 1 },
          },
        ],
        revision,
      );
      await store.close();
      const run = await runLedger(['verify'], env());
      expect(run.stdout).toContain(`VIOLATION settled_twice order cli-c: #${revision + 1} settled again on ${planted}`);
      expect(run.stdout).toContain(`VIOLATION settled_unclaimed order cli-c`);
      expect(run.code).toBe(1);
    });
  });
});

/** A few CLI processes at a time: each loads TypeScript and the store, and the test machine is small. */
async function inBatches<T>(runs: (() => Promise<T>)[], size = 3): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < runs.length; i += size) results.push(...(await Promise.all(runs.slice(i, i + size).map((run) => run()))));
  return results;
}
