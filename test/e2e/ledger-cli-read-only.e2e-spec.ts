import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ledgerEnv, runLedger } from '../support/ledger-cli';
import { startPayoutHarness } from '../support/payout-harness';
import { makeTempDir } from '../support/temp-dir';

/**
 * The auditor's tool never writes what it audits, refuses what is no store,
 * validates its options (exit 2), and sees a removed last event in SQLite.
 */
jest.setTimeout(120_000);

const digestOf = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('ledger CLI: read-only audits, bad stores and bad options', () => {
  const temps: { path: string; remove(): void }[] = [];
  const newDir = (tag: string) => {
    const temp = makeTempDir(`pll-cli-ro-${tag}`);
    temps.push(temp);
    return temp.path;
  };
  afterAll(() => temps.forEach((temp) => temp.remove()));

  it('verify, replay and export on an empty (0-byte) store exit 2 and leave it 0 bytes, with no journal beside it', async () => {
    const dir = newDir('empty');
    const file = join(dir, 'events.sqlite');
    writeFileSync(file, '');
    for (const args of [['verify'], ['replay', 'ord_1'], ['export', '--from', '2025-01-01', '--to', '2025-02-01']]) {
      const run = await runLedger(args, ledgerEnv(dir));
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(/is empty \(0 bytes\): not a store/);
    }
    expect(statSync(file).size).toBe(0);
    expect(existsSync(`${file}-wal`) || existsSync(`${file}-shm`)).toBe(false);
  });

  it('bad option values exit 2: --position -1, an impossible --from date', async () => {
    const dir = newDir('options');
    const position = await runLedger(['verify', '--digest', 'a'.repeat(64), '--position', '-1'], ledgerEnv(dir));
    expect(position.code).toBe(2);
    expect(position.stderr).toMatch(/--position/);
    const date = await runLedger(['export', '--from', '2026-02-30', '--to', '2026-03-05'], ledgerEnv(dir));
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(/--from must be an ISO date/);
  });

  it('verify leaves a real store byte for byte as it was; with the last event deleted it reports a BREAK (exit 1)', async () => {
    const dir = newDir('store');
    const h = await startPayoutHarness({}, dir);
    try {
      await h.confirm('ro-a', 1000, h.address('alice'));
      await h.confirm('ro-b', 1200, h.address('bob'));
      await h.waitForStatus('ro-a', ['SETTLED']);
      await h.waitForStatus('ro-b', ['SETTLED']);
      await h.projectionsCaughtUp();
    } finally {
      await h.close();
    }
    const file = join(dir, 'events.sqlite');
    const env = { ...ledgerEnv(dir), VOLTZ_TIMEOUT_MS: '1000', PAYMENT_NOT_FOUND_GRACE_MS: '1000' };
    const before = digestOf(file);
    const clean = await runLedger(['verify'], env);
    expect(clean.stdout).toContain('all invariants held');
    expect(clean.code).toBe(0);
    expect(digestOf(file)).toBe(before);
    // A reader of a WAL-mode file may leave SQLite's (empty) reader files beside it; nothing is written to the log.
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);

    const db = new Database(file);
    const last = db.prepare<[], number>('SELECT max(position) FROM events').pluck().get()!;
    db.prepare('DELETE FROM events WHERE position = ?').run(last);
    db.close();
    const broken = await runLedger(['verify'], env);
    expect(broken.stdout).toMatch(
      new RegExp(
        `BREAK position_gap at \\$all revision - \\(position ${last}\\): positions ${last} to ${last} were handed out but are missing`,
      ),
    );
    expect(broken.code).toBe(1);
  });
});
