import { spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { createServer, Server } from 'net';
import { join } from 'path';
import { makeTempDir } from '../support/temp-dir';

const root = join(__dirname, '..', '..');
const REAL_MODE = { VOLTZ_URL: 'http://127.0.0.1:9', VOLTZ_ADMIN_KEY: 'wallet-admin-key' };
const LONG = { bot: 'bot-0123456789abcdefghijklmn', admin: 'admin-0123456789abcdefghijklmn' };

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** src/main.ts as a child: resolves when it exits (a hang fails the test by its timeout). */
function startService(env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', join(root, 'test/support/register-ts.js'), join(root, 'src/main.ts')], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', HOST: '127.0.0.1', PORT: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectOneLine(outcome: Outcome, line: RegExp): void {
  expect(outcome.code).toBe(1);
  expect(outcome.stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
  expect(outcome.stdout + outcome.stderr).not.toMatch(/\n\s+at /);
}

describe('a bad start-up exits 1 with one line and no stack (src/main.ts as a child process)', () => {
  const temp = makeTempDir('pll-startup');
  afterAll(() => temp.remove());

  it('a cron that never fires', async () => {
    expectOneLine(
      await startService({ DATA_DIR: join(temp.path, 'cron'), FALLBACK_CRON: '0 0 31 2 *' }),
      /^Invalid configuration: FALLBACK_CRON must be .*fires at least once/,
    );
  });

  it('a HOST that is not an address, and one that is not of this machine', async () => {
    expectOneLine(
      await startService({ DATA_DIR: join(temp.path, 'host'), HOST: '999.1.1.1' }),
      /^Invalid configuration: HOST must be an IP address/,
    );
    // TEST-NET-1 (RFC 5737): a valid address no machine here owns.
    expectOneLine(
      await startService({ DATA_DIR: join(temp.path, 'host'), HOST: '192.0.2.1' }),
      /^Start-up failed: HOST 192\.0\.2\.1 is not/,
    );
  });

  it('a port in use', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as { port: number };
      expectOneLine(
        await startService({ DATA_DIR: join(temp.path, 'port'), PORT: String(port) }),
        new RegExp(`^Start-up failed: port ${port} is already in use on 127\\.0\\.0\\.1`),
      );
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('a DATA_DIR that is a file, under a file, or where nothing can be created (/proc/x, which hangs a recursive mkdir)', async () => {
    const file = join(temp.path, 'a-file');
    writeFileSync(file, 'not a directory');
    expectOneLine(await startService({ DATA_DIR: file }), /^Invalid configuration: DATA_DIR .* exists and is not a directory$/);
    expectOneLine(await startService({ DATA_DIR: join(file, 'sub') }), /^Invalid configuration: DATA_DIR .*ENOTDIR$/);
    expectOneLine(await startService({ DATA_DIR: '/proc/x' }), /^Invalid configuration: DATA_DIR \/proc\/x is not usable: cannot create/);
  });

  it('in real mode, a key shorter than 24 characters or a public sandbox key', async () => {
    expectOneLine(
      await startService({ ...REAL_MODE, DATA_DIR: join(temp.path, 'keys'), BOT_API_KEYS: 'short-bot-key', ADMIN_API_KEYS: LONG.admin }),
      /^Invalid configuration: BOT_API_KEYS: 1 key\(s\) shorter than 24 characters/,
    );
    const sandbox = await startService({
      ...REAL_MODE,
      DATA_DIR: join(temp.path, 'keys'),
      BOT_API_KEYS: LONG.bot,
      ADMIN_API_KEYS: `${LONG.admin},sandbox-admin-key`,
    });
    expectOneLine(sandbox, /^Invalid configuration: ADMIN_API_KEYS lists a public sandbox key, refused when VOLTZ_URL is set$/);
    expect(sandbox.stdout + sandbox.stderr).not.toContain(LONG.admin);
  });
});
