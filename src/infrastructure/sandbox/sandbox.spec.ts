import { createHash } from 'node:crypto';
import axios from 'axios';
import { LnurlResolver } from '../lnurl/lnurl-resolver';
import { parseHostOverrides } from '../lnurl/parse-host-overrides';
import { VoltzClient } from '../voltz/voltz-client';
import { startSandbox, Sandbox } from './sandbox';

const http = axios.create({ validateStatus: () => true, proxy: false });

describe('startSandbox', () => {
  let sandbox: Sandbox;
  let client: VoltzClient;
  let resolver: LnurlResolver;

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest', adminKey: 'sandbox-admin-key-0123456789abcdef' });
    client = new VoltzClient({ baseUrl: sandbox.lnbitsUrl, adminKey: sandbox.adminKey, timeoutMs: 1000 });
    // Wired exactly as LNURL_HOST_OVERRIDES would be.
    const overrides = parseHostOverrides(`${sandbox.addressDomain}=${sandbox.lnurlBaseUrl}`);
    if (!overrides.ok) throw new Error(overrides.errors.join('\n'));
    resolver = new LnurlResolver({
      network: 'regtest',
      timeoutMs: 1000,
      maxResponseBytes: 65536,
      hostOverrides: overrides.overrides,
      minRemainingSeconds: 60,
      clock: { now: () => new Date() },
    });
  });
  afterAll(() => sandbox.close());

  it('exposes both servers on 127.0.0.1 and the address domain', () => {
    expect(sandbox).toMatchObject({
      lnbitsUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      lnurlBaseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      adminKey: 'sandbox-admin-key-0123456789abcdef',
      addressDomain: 'sandbox.pix-lightning.test',
    });
  });

  it('resolves a sandbox address and pays it with the real preimage', async () => {
    const resolved = await resolver.resolve(`carol@${sandbox.addressDomain}`, 2100);
    if (!resolved.ok) throw new Error(resolved.reason);
    const outcome = await client.pay(resolved.invoice);
    expect(outcome).toMatchObject({ kind: 'settled', feeMsat: 1000 });
    const preimage = outcome.kind === 'settled' ? (outcome.preimage ?? '') : '';
    expect(createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex')).toBe(resolved.invoice.paymentHash);
    expect(sandbox.lnbits.paidTotalMsatFor(resolved.invoice.paymentHash)).toBe(2_100_000);
    const minted = (await http.get(`${sandbox.lnurlBaseUrl}/sandbox/invoices`)).data as { paymentHash: string; username: string }[];
    expect(minted.find((m) => m.paymentHash === resolved.invoice.paymentHash)).toMatchObject({ username: 'carol' });
  });

  it('lists the misbehaving users over HTTP', async () => {
    const users = (await http.get(`${sandbox.lnurlBaseUrl}/sandbox/users`)).data as Record<string, string>;
    expect(Object.keys(users)).toEqual(expect.arrayContaining(['wrongamount', 'slow', 'redirect', 'flaky']));
  });

  it('is driven over HTTP: pending payment settled by /sandbox/payments/{hash}/settle', async () => {
    const resolved = await resolver.resolve(`dave@${sandbox.addressDomain}`, 1000);
    if (!resolved.ok) throw new Error(resolved.reason);
    const hash = resolved.invoice.paymentHash;
    expect(
      (await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, { endpoint: 'pay', fault: { kind: 'pending' }, paymentHash: hash })).status,
    ).toBe(201);
    expect((await http.get(`${sandbox.lnbitsUrl}/sandbox/faults`)).data).toHaveLength(1);
    expect(await client.pay(resolved.invoice)).toMatchObject({ kind: 'pending' });
    expect(await client.checkPayment(hash)).toEqual({ kind: 'pending' });
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/payments/${hash}/settle`)).status).toBe(200);
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/payments/${hash}/settle`)).status).toBe(404);
    expect(await client.checkPayment(hash)).toMatchObject({ kind: 'settled' });
    const truth = (await http.get(`${sandbox.lnbitsUrl}/sandbox/payments`)).data as { paymentHash: string; status: string }[];
    expect(truth.find((p) => p.paymentHash === hash)).toMatchObject({ status: 'success' });
  });

  it('switches LNbits version and balance over HTTP, and validates what it is sent', async () => {
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/version`, { version: '0.12' })).data).toEqual({ version: '0.12' });
    expect(sandbox.lnbits.version).toBe('0.12');
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/version`, { version: '2.0' })).status).toBe(400);
    await http.post(`${sandbox.lnbitsUrl}/sandbox/version`, { version: '1.x' });
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/balance`, { msat: 7000 })).data).toEqual({ balanceMsat: 7000 });
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/topup`, { msat: 3000 })).data).toEqual({ balanceMsat: 10_000 });
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/topup`, { msat: 'lots' })).status).toBe(400);
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, { endpoint: 'status', fault: { kind: 'pending' } })).status).toBe(400);
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, { endpoint: 'pay', fault: { kind: 'cloudflare' } })).status).toBe(400);
    expect((await http.delete(`${sandbox.lnbitsUrl}/sandbox/faults`)).status).toBe(200);
    sandbox.lnbits.setBalance(100_000_000_000);
  });

  it('fails the wallet probe (GET /api/v1/wallet) with a wallet fault, injected over HTTP, until used up or cleared', async () => {
    expect((await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, { endpoint: 'wallet', fault: { kind: 'not_found' } })).status).toBe(400);
    expect(
      (
        await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, {
          endpoint: 'wallet',
          fault: { kind: 'reset' },
          paymentHash: 'a'.repeat(64),
        })
      ).status,
    ).toBe(400);
    expect(
      (await http.post(`${sandbox.lnbitsUrl}/sandbox/faults`, { endpoint: 'wallet', fault: { kind: 'cloudflare' }, times: 2 })).status,
    ).toBe(201);
    const probe = () => http.get(`${sandbox.lnbitsUrl}/api/v1/wallet`, { headers: { 'X-Api-Key': sandbox.adminKey } });
    expect((await probe()).status).toBe(520);
    await expect(client.getWallet()).rejects.toThrow();
    expect((await probe()).status).toBe(200);
    sandbox.lnbits.injectFault({ endpoint: 'wallet', fault: { kind: 'http', httpStatus: 503, body: 'down' }, times: 100 });
    expect((await probe()).status).toBe(503);
    sandbox.lnbits.clearFaults();
    expect((await client.getWallet()).balanceMsat).toBe(sandbox.lnbits.balanceMsat);
  });

  it('needs the key on the LNbits API but not on the sandbox controls', async () => {
    expect((await http.get(`${sandbox.lnbitsUrl}/api/v1/wallet`)).status).toBe(401);
    expect((await http.get(`${sandbox.lnbitsUrl}/api/v1/wallet`, { headers: { 'X-Api-Key': 'nope' } })).data).toEqual({
      detail: 'Wallet not found.',
    });
    expect((await http.get(`${sandbox.lnbitsUrl}/sandbox/payments`)).status).toBe(200);
  });
});
