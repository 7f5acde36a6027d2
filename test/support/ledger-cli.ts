import { spawn } from 'node:child_process';
import path from 'node:path';
import { KEYS } from './test-app';
import { REGISTER_TS } from './service-process';

const LEDGER_CLI = path.resolve(__dirname, '..', '..', 'src', 'infrastructure', 'cli', 'ledger.cli.ts');

export interface LedgerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real `ledger` CLI as a child process, with only the environment given (and PATH): nothing leaks in from the test. */
export function runLedger(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<LedgerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REGISTER_TS, LEDGER_CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of a service on `dataDir` paying through the sandbox wallet at `walletUrl` (real mode needs the API keys). */
export function ledgerEnv(dataDir: string, wallet?: { url: string; adminKey: string }): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LIGHTNING_NETWORK: 'regtest',
    ...(wallet ? { VOLTZ_URL: wallet.url, VOLTZ_ADMIN_KEY: wallet.adminKey, BOT_API_KEYS: KEYS.bot, ADMIN_API_KEYS: KEYS.admin } : {}),
  };
}
