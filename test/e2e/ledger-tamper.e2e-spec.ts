import Database from 'better-sqlite3';
import { execFile } from 'child_process';
import { copyFileSync, existsSync, mkdirSync } from 'fs';
import { join, resolve } from 'path';
import { chainHash } from '../../src/domain/ledger/event-chain';
import { LEDGER_DIGEST_STREAM, payoutStreamName, webhookStreamName } from '../../src/domain/streams/stream-names';
import { SQLITE_EVENTS_FILE } from '../../src/infrastructure/event-store/event-store.module';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { makeTempDir } from '../support/temp-dir';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitForEvent } from '../support/webhook-test-app';

/**
 * Issue 14's acceptance: a real store (the app paid orders, delivered
 * webhooks and took a digest), copied and then edited the way an attacker
 * with the file would — straight through SQLite — and `ledger verify` run as
 * a child process on each copy: exit 1 naming the place, 0 for the untouched copy.
 */
const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'infrastructure', 'cli', 'ledger.cli.ts');
const REGISTER_TS = join(ROOT, 'test', 'support', 'register-ts.js');
const SECRET = 'whsec_tamper_0123456789abcdef';
const ORDERS = ['ord_tamper_a', 'ord_tamper_b', 'ord_tamper_c'];
const LATE_ORDER = 'ord_tamper_late';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runVerify(dataDir: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', REGISTER_TS, CLI, 'verify', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, DATA_DIR: dataDir } },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

interface Row {
  position: number;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
}

describe('Tampering with a copy of a real SQLite ledger (verify as a child process)', () => {
  const temp = makeTempDir('ledger-tamper');
  const original = join(temp.path, 'original');
  let digest: { root: string; position: string; events: number; streams: number; createdAt: string };
  let copies = 0;

  /** A fresh copy of the store for one attack; `attack` edits it with better-sqlite3, as an attacker would. */
  function tamperedCopy(attack: (db: Database.Database) => void): string {
    const dir = join(temp.path, `copy-${++copies}`);
    mkdirSync(dir);
    for (const suffix of ['', '-wal', '-shm']) {
      const file = join(original, SQLITE_EVENTS_FILE + suffix);
      if (existsSync(file)) copyFileSync(file, join(dir, SQLITE_EVENTS_FILE + suffix));
    }
    const db = new Database(join(dir, SQLITE_EVENTS_FILE));
    try {
      attack(db);
    } finally {
      db.close();
    }
    return dir;
  }

  const rowsOf = (db: Database.Database, stream: string): Row[] =>
    db
      .prepare('SELECT position, stream, revision, type, data, metadata FROM events WHERE stream = ? ORDER BY revision')
      .all(stream) as Row[];

  /** Rewrites a stream's chain so every event's own links are consistent again: what an attacker who knows the algorithm does. */
  function rechain(db: Database.Database, stream: string): void {
    let prev: string | null = null;
    for (const row of rowsOf(db, stream)) {
      const hash = chainHash(prev, row.stream, row.revision, row.type, JSON.parse(row.data));
      const metadata = { ...JSON.parse(row.metadata), chain: { prev, hash } };
      db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify(metadata), row.position);
      prev = hash;
    }
  }

  /** Raises the first order's amount (21,000 → 91,000 sats), then re-chains its stream so every link holds again. */
  function rewriteAmountWithConsistentChain(db: Database.Database, stream: string): void {
    const [first] = rowsOf(db, stream);
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
      first.data.replace('"amountSats":21000', '"amountSats":91000'),
      first.position,
    );
    rechain(db, stream);
  }

  beforeAll(async () => {
    mkdirSync(original);
    const bot = await WebhookReceiver.start(SECRET);
    let h: PayoutHarness | undefined;
    try {
      h = await startPayoutHarness({ BOT_WEBHOOK_URL: bot.url, BOT_WEBHOOK_SECRET: SECRET }, original);
      const harness = h;
      const delivered = ORDERS.map((orderId) =>
        waitForEvent(harness.store, webhookStreamName(orderId), (e) => e.type === 'WebhookDelivered'),
      );
      for (const orderId of ORDERS) expect((await h.confirm(orderId, 21000, h.address('alice'))).status).toBe(201);
      for (const orderId of ORDERS) expect((await h.waitForStatus(orderId, ['SETTLED'])).status).toBe('SETTLED');
      await Promise.all(delivered);

      const taken = await h.admin('POST', '/v1/admin/ledger/digest');
      expect(taken.status).toBe(200);
      digest = taken.body;
      const listed = await h.auditor('GET', '/v1/audit/digests?limit=5');
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ digests: [digest] });
      // The limit is validated like the other list limits; recording is for admins only.
      const badLimit = await h.auditor('GET', '/v1/audit/digests?limit=1e3');
      expect([badLimit.status, badLimit.body.code]).toEqual([400, 'invalid_limit']);
      expect((await h.bot('POST', '/v1/admin/ledger/digest')).status).toBe(403);

      // The log goes on after the digest: verification must take the heads at the digest's position, not at the end.
      expect((await h.confirm(LATE_ORDER, 1000, h.address('alice'))).status).toBe(201);
      await h.waitForStatus(LATE_ORDER, ['SETTLED']);
    } finally {
      await h?.close();
      await bot.close();
    }
  }, 60_000);

  afterAll(() => temp.remove());

  it('records a digest over every stream the service wrote, chained like any other event', async () => {
    expect(digest.root).toMatch(/^[0-9a-f]{64}$/);
    // Three orders: each a payout, an end-to-end-id, a payment-hash and a webhook stream.
    expect(digest.streams).toBe(12);
    const db = new Database(join(original, SQLITE_EVENTS_FILE), { readonly: true });
    try {
      const [recorded] = rowsOf(db, LEDGER_DIGEST_STREAM);
      expect(JSON.parse(recorded.data)).toEqual(digest);
      expect(JSON.parse(recorded.metadata)).toMatchObject({
        actor: 'admin',
        schemaVersion: 1,
        chain: { prev: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      expect(Number(digest.position)).toBeLessThan(recorded.position);
      const unchained = db.prepare("SELECT count(*) FROM events WHERE json_extract(metadata, '$.chain.hash') IS NULL").pluck().get();
      expect(unchained).toBe(0);
    } finally {
      db.close();
    }
  });

  it('an untouched copy verifies: exit 0, every digest recomputed', async () => {
    const run = await runVerify(tamperedCopy(() => undefined));
    expect(run.stdout).toMatch(/^ledger verified: \d+ events in \d+ streams .* 1 digest\(s\) recomputed$/m);
    expect(run.stdout).toContain('all invariants held');
    expect(run.code).toBe(0);
    const proof = await runVerify(
      tamperedCopy(() => undefined),
      '--digest',
      digest.root,
    );
    expect(proof.stdout).toContain('HELD');
    expect(proof.code).toBe(0);
  });

  it("one byte of an event's data edited: exit 1 naming the stream and revision", async () => {
    const stream = payoutStreamName(ORDERS[0]);
    const dir = tamperedCopy((db) => {
      const [first] = rowsOf(db, stream);
      expect(first.data).toContain('"amountSats":21000');
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
        first.data.replace('"amountSats":21000', '"amountSats":91000'),
        first.position,
      );
    });
    const run = await runVerify(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`BREAK hash_mismatch at ${stream} revision 0 `);
    expect(run.stdout).toContain('ledger NOT verified');
  });

  it('an event deleted: exit 1 at the event that follows the gap', async () => {
    const stream = payoutStreamName(ORDERS[1]);
    const dir = tamperedCopy((db) => {
      db.prepare('DELETE FROM events WHERE stream = ? AND revision = 1').run(stream);
    });
    const run = await runVerify(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`BREAK revision_gap at ${stream} revision 2 `);
    expect(run.stdout).toContain(`BREAK prev_mismatch at ${stream} revision 2 `);
  });

  it('an event inserted (later revisions shifted up): exit 1 at the first shifted event', async () => {
    const stream = payoutStreamName(ORDERS[2]);
    const dir = tamperedCopy((db) => {
      const rows = rowsOf(db, stream);
      for (const row of [...rows].reverse().filter((r) => r.revision >= 2)) {
        db.prepare('UPDATE events SET revision = revision + 1 WHERE position = ?').run(row.position);
      }
      const forged = { ...JSON.parse(rows[1].metadata), chain: JSON.parse(rows[2].metadata).chain };
      db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, 2, ?, ?, ?, ?, ?)').run(
        stream,
        '00000000-0000-7000-8000-000000000001',
        'PayoutCancelled',
        JSON.stringify({ reason: 'forged', cancelledAt: '2025-07-09T12:00:00.000Z' }),
        JSON.stringify(forged),
        '2025-07-09T12:00:00.000Z',
      );
    });
    const run = await runVerify(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`BREAK hash_mismatch at ${stream} revision 3 `);
  });

  it('two events swapped: exit 1 at the first of them', async () => {
    const stream = payoutStreamName(ORDERS[0]);
    const dir = tamperedCopy((db) => {
      const [, second, third] = rowsOf(db, stream);
      const swap = db.prepare('UPDATE events SET type = ?, data = ?, metadata = ? WHERE position = ?');
      swap.run(third.type, third.data, third.metadata, second.position);
      swap.run(second.type, second.data, second.metadata, third.position);
    });
    const run = await runVerify(dir, '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.chains.breaks[0]).toMatchObject({ stream, revision: 1, kind: 'prev_mismatch' });
  });

  it('a stream rewritten with a consistent chain: every chain holds, the earlier digest catches it', async () => {
    const stream = payoutStreamName(ORDERS[0]);
    const dir = tamperedCopy((db) => {
      rewriteAmountWithConsistentChain(db, stream);
    });
    const run = await runVerify(dir, '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.chains.breaks).toEqual([expect.objectContaining({ stream: LEDGER_DIGEST_STREAM, revision: 0, kind: 'digest_mismatch' })]);
    const proof = await runVerify(dir, '--digest', digest.root);
    expect(proof.stdout).toContain('NOT HELD');
    expect(proof.code).toBe(1);
  });

  it("the whole file rewritten, digests included: only the auditor's out-of-band copy of the digest tells", async () => {
    const stream = payoutStreamName(ORDERS[0]);
    const dir = tamperedCopy((db) => {
      rewriteAmountWithConsistentChain(db, stream);
      db.prepare('DELETE FROM events WHERE stream = ?').run(LEDGER_DIGEST_STREAM);
      // A thorough forger also closes the gap in SQLite's positions, which verify would report as a BREAK.
      const positions = db.prepare<[], number>('SELECT position FROM events ORDER BY position').pluck().all();
      const move = db.prepare('UPDATE events SET position = ? WHERE position = ?');
      positions.forEach((position, index) => move.run(index + 1, position));
      db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(positions.length);
    });
    // Every chain holds (only the read models, rebuilt from the rewritten log, can still differ).
    const run = await runVerify(dir);
    expect(run.stdout).not.toContain('BREAK');
    expect(run.stdout).toMatch(/^ledger verified: /m);
    const byRoot = await runVerify(dir, '--digest', digest.root);
    expect(byRoot.stdout).toContain('no digest with this root');
    expect(byRoot.code).toBe(1);
    const withPosition = await runVerify(dir, '--digest', digest.root, '--position', digest.position);
    expect(withPosition.stdout).toContain('NOT HELD');
    expect(withPosition.code).toBe(1);
  });

  it('bad usage or configuration: exit 2, and no store is created', async () => {
    const usage = await runVerify(original, '--digest', 'not-a-root');
    expect(usage.stderr).toContain('--digest must be a root');
    expect(usage.code).toBe(2);
    const missing = join(temp.path, 'nowhere');
    const config = await runVerify(missing);
    expect(config.stderr).toContain('no store at');
    expect(config.code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });
});
