import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SandboxLnbitsServer } from '../sandbox/sandbox-lnbits-server';
import { runVoltzDiagnostics } from './voltz-diagnostics';

const TIMEOUT_MS = 500;
const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('runVoltzDiagnostics against the sandbox LNbits', () => {
  let lnbits: SandboxLnbitsServer;

  beforeAll(async () => {
    lnbits = await SandboxLnbitsServer.start({ network: 'bitcoin', balanceMsat: 5_000_000 });
  });
  afterAll(() => lnbits.close());

  it('is ok with the admin key, never pays, and never shows the key', async () => {
    const report = await runVoltzDiagnostics({ baseUrl: `${lnbits.url}/`, adminKey: lnbits.adminKey, timeoutMs: TIMEOUT_MS });
    expect(report).toEqual({
      verdict: 'ok',
      target: lnbits.url,
      checks: [
        { name: 'dns', ok: true, ms: expect.any(Number), detail: 'literal address 127.0.0.1' },
        { name: 'tcp', ok: true, ms: expect.any(Number), detail: expect.stringContaining('connected to 127.0.0.1') },
        { name: 'tls', ok: true, ms: expect.any(Number), detail: 'not applicable: plain http://' },
        { name: 'wallet', ok: true, ms: expect.any(Number), detail: 'wallet "Sandbox wallet", balance 5000000 msat (5000 sat)' },
        { name: 'pay_permission', ok: true, ms: expect.any(Number), detail: expect.stringContaining('admin key accepted') },
      ],
    });
    expect(JSON.stringify(report)).not.toContain(lnbits.adminKey);
    expect(lnbits.payments()).toEqual([]);
    expect(lnbits.balanceMsat).toBe(5_000_000);
  });

  it('is misconfigured with an unknown key', async () => {
    const report = await runVoltzDiagnostics({ baseUrl: lnbits.url, adminKey: 'f'.repeat(32), timeoutMs: TIMEOUT_MS });
    expect(report.verdict).toBe('misconfigured');
    expect(report.checks.find((c) => c.name === 'wallet')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('Wallet not found.'),
    });
    expect(report.checks.find((c) => c.name === 'pay_permission')).toMatchObject({ ok: false, detail: 'skipped: wallet failed' });
    expect(JSON.stringify(report)).not.toContain('f'.repeat(32));
  });

  it('is misconfigured with a read-only (invoice) key: the wallet reads, paying is refused', async () => {
    const report = await runVoltzDiagnostics({ baseUrl: lnbits.url, adminKey: lnbits.invoiceKey, timeoutMs: TIMEOUT_MS });
    expect(report.verdict).toBe('misconfigured');
    expect(report.checks.find((c) => c.name === 'wallet')).toMatchObject({ ok: true });
    expect(report.checks.find((c) => c.name === 'pay_permission')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('the key cannot pay'),
    });
  });

  it('is degraded when the pay probe cannot be read (Cloudflare page)', async () => {
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
    const report = await runVoltzDiagnostics({ baseUrl: lnbits.url, adminKey: lnbits.adminKey, timeoutMs: TIMEOUT_MS });
    expect(report.verdict).toBe('degraded');
    expect(report.checks.find((c) => c.name === 'pay_permission')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('Cloudflare'),
    });
  });

  it('is down when nothing listens, and skips the layers above', async () => {
    const gone = await SandboxLnbitsServer.start({ network: 'bitcoin' });
    const url = gone.url;
    await gone.close();
    const report = await runVoltzDiagnostics({ baseUrl: url, adminKey: 'k'.repeat(32), timeoutMs: TIMEOUT_MS });
    expect(report.verdict).toBe('down');
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['dns', true],
      ['tcp', false],
      ['tls', false],
      ['wallet', false],
      ['pay_permission', false],
    ]);
    expect(report.checks[1].detail).toContain('ECONNREFUSED');
  });

  it('is down when the TLS handshake fails (https:// to a plain-http server)', async () => {
    const report = await runVoltzDiagnostics({
      baseUrl: lnbits.url.replace('http:', 'https:'),
      adminKey: lnbits.adminKey,
      timeoutMs: TIMEOUT_MS,
    });
    expect(report.verdict).toBe('down');
    expect(report.checks.find((c) => c.name === 'tls')).toMatchObject({ ok: false });
  });

  it('is misconfigured for a URL that is not http(s), and hides credentials in the target', async () => {
    expect(await runVoltzDiagnostics({ baseUrl: 'not a url', adminKey: 'k', timeoutMs: TIMEOUT_MS })).toEqual({
      verdict: 'misconfigured',
      target: '(invalid VOLTZ_URL)',
      checks: [],
    });
    const report = await runVoltzDiagnostics({
      baseUrl: `http://user:secret@127.0.0.1:${new URL(lnbits.url).port}/?x=1`,
      adminKey: lnbits.adminKey,
      timeoutMs: TIMEOUT_MS,
    });
    expect(report.target).toBe(lnbits.url);
  });

  it('runs as the diagnose:voltz CLI: JSON, a verdict line, exit 0 when ok', async () => {
    const run = promisify(execFile);
    const script = ['--require', './test/support/register-ts.js', 'src/infrastructure/voltz/diagnose-voltz.cli.ts'];
    const env = { ...process.env, VOLTZ_URL: lnbits.url, VOLTZ_ADMIN_KEY: lnbits.adminKey, VOLTZ_TIMEOUT_MS: String(TIMEOUT_MS) };
    const ok = await run(process.execPath, script, { cwd: ROOT, env });
    expect(ok.stdout).toContain('"verdict": "ok"');
    expect(ok.stdout.trim().split('\n').at(-1)).toBe(`voltz ${lnbits.url}: ok`);
    expect(ok.stdout).not.toContain(lnbits.adminKey);
    const bad = await run(process.execPath, script, { cwd: ROOT, env: { ...env, VOLTZ_ADMIN_KEY: 'e'.repeat(32) } }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(bad).toMatchObject({ code: 1, stdout: expect.stringContaining(': misconfigured (failed: wallet, pay_permission)') });
  }, 20_000);
});
