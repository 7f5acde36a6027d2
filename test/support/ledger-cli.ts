import { spawn } from 'node:child_process';
import path from 'node:path';
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

/** The environment an auditor needs for a store in `dataDir` and, to reconcile, the wallet's URL and read key: no API or spending key. */
export function ledgerEnv(dataDir: string, wallet?: { url: string; readKey: string }): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LIGHTNING_NETWORK: 'regtest',
    ...(wallet ? { VOLTZ_URL: wallet.url, VOLTZ_READ_KEY: wallet.readKey } : {}),
  };
}
