import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SANDBOX_API_KEYS } from '../../src/infrastructure/config/load-config';
import { SANDBOX_WALLET_FILE } from '../../src/infrastructure/lightning/lightning-target';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { REGISTER_TS, SERVICE_MAIN, freePort } from '../support/service-process';
import { endToEndIdFor } from '../support/service-process-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { until } from '../support/until';

/**
 * Sandbox mode for real (no VOLTZ_URL: the simulated wallet lives inside the
 * service): SIGKILL in the middle of a burst and a restart on the same
 * DATA_DIR meet the wallet that was left, so no hash is paid twice, and a
 * reconciliation afterwards has nothing false to say.
 */

const ORDERS = 30;
const START_BALANCE_MSAT = 100_000_000_000;
jest.setTimeout(120_000);

interface Sandboxed {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

async function startService(dataDir: string): Promise<Sandboxed> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: String(port), HOST: '127.0.0.1' };
  Object.assign(env, { DATA_DIR: dataDir, LIGHTNING_NETWORK: 'regtest', FALLBACK_CRON: '* * * * * *', DIGEST_CRON: '0 0 1 1 *' });
  // A claim the kill left without its POST is "never happened" after this grace (the default is two minutes).
  Object.assign(env, { VOLTZ_TIMEOUT_MS: '1000', PAYMENT_NOT_FOUND_GRACE_MS: '2000', PAYMENT_RETRY_BASE_MS: '50' });
  const child = spawn(process.execPath, ['--require', REGISTER_TS, SERVICE_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await until(
    'the sandbox service to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/health/ready`).catch(() => null))?.status === 200;
    },
    60_000,
  );
  return { child, url, exited };
}

const call = async (service: Sandboxed, method: string, route: string, key: string, body?: unknown) => {
  const res = await fetch(`${service.url}${route}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

describe('Sandbox mode across a restart', () => {
  const temp = makeTempDir('pll-sandbox-restart');
  let service: Sandboxed | null = null;
  afterAll(async () => {
    service?.child.kill('SIGKILL');
    await service?.exited;
    temp.remove();
  });

  it('a SIGKILL in the middle of a burst pays nobody twice, and reconciliation afterwards finds nothing', async () => {
    const orders = Array.from({ length: ORDERS }, (_, i) => {
      const amountSats = 1_000 + i;
      return { orderId: `sbx_restart_${i}`, amountSats, invoice: mintInvoice({ network: 'regtest', amountMsat: amountSats * 1000 }) };
    });
    const confirm = (s: Sandboxed, order: (typeof orders)[number]) =>
      call(s, 'POST', '/v1/payouts', SANDBOX_API_KEYS.bot, {
        orderId: order.orderId,
        pix: { endToEndId: endToEndIdFor(order.orderId), amountCents: order.amountSats, paidAt: '2026-01-01T12:00:00Z' },
        amountSats: order.amountSats,
        destination: order.invoice.bolt11,
      }).catch(() => null);

    service = await startService(temp.path);
    const first = service;
    // The burst goes out all at once; the kill lands while payments are in flight.
    const burst = orders.map((order) => confirm(first, order));
    await until(
      'some payments to have been made',
      async () => {
        const settled = await Promise.all(
          orders.slice(0, 10).map((o) => call(first, 'GET', `/v1/payouts/${o.orderId}`, SANDBOX_API_KEYS.bot).catch(() => null)),
        );
        return settled.filter((r) => r?.body?.status === 'SETTLED').length >= 3;
      },
      30_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // Whatever the service answered before the kill was a 201 (or the connection died with it).
    for (const answer of await Promise.all(burst)) if (answer) expect(answer.status).toBe(201);

    service = await startService(temp.path);
    const second = service;
    let last: unknown[] = [];
    // The bot retries what it could not confirm (idempotent for the ones that did get through).
    for (const order of orders) expect([200, 201]).toContain((await confirm(second, order))?.status);
    await until(
      'every order to settle',
      async () => {
        const views = await Promise.all(orders.map((o) => call(second, 'GET', `/v1/payouts/${o.orderId}`, SANDBOX_API_KEYS.bot)));
        last = views
          .filter((view) => view.body?.status !== 'SETTLED')
          .map((view) => [view.body?.orderId, view.body?.status, view.body?.lastError]);
        return last.length === 0;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}`);
    });

    const report = await call(second, 'POST', '/v1/admin/reconciliation', SANDBOX_API_KEYS.admin);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ walletPayments: ORDERS, ledgerSettled: ORDERS, matched: ORDERS, discrepancies: [] });
    second.child.kill('SIGTERM');
    await second.exited;
    service = null;

    // The wallet's ground truth, as it is on disk: each order's hash paid once, and the balance moved by exactly that.
    const wallet = new Database(path.join(temp.path, SANDBOX_WALLET_FILE), { readonly: true });
    try {
      const payments = wallet
        .prepare<[], { payment: string }>('SELECT payment FROM payments')
        .all()
        .map((row) => JSON.parse(row.payment) as { paymentHash: string; amountMsat: number; feeMsat: number; status: string });
      expect(payments.filter((p) => p.status === 'success')).toHaveLength(ORDERS);
      for (const order of orders) {
        expect(payments.find((p) => p.paymentHash === order.invoice.paymentHash)).toMatchObject({
          status: 'success',
          amountMsat: order.amountSats * 1000,
        });
      }
      const spent = payments.reduce((sum, p) => sum + (p.status === 'success' ? p.amountMsat + p.feeMsat : 0), 0);
      const { balance_msat } = wallet.prepare<[], { balance_msat: number }>('SELECT balance_msat FROM wallet').get()!;
      expect(balance_msat).toBe(START_BALANCE_MSAT - spent);
    } finally {
      wallet.close();
    }
  });
});
