import { createHash } from 'node:crypto';
import axios from 'axios';
import { Invoice } from '../../domain/destination/invoice';
import { mintInvoice } from '../sandbox/invoice-minter';
import { LnbitsVersion } from '../sandbox/sandbox-lnbits-control';
import { SandboxLnbitsServer } from '../sandbox/sandbox-lnbits-server';
import { VoltzClient, VoltzError } from './voltz-client';

const TIMEOUT_MS = 300;

function freshInvoice(amountSats = 21_000): Invoice {
  const minted = mintInvoice({ network: 'bitcoin', amountMsat: amountSats * 1000 });
  return {
    bolt11: minted.bolt11,
    paymentHash: minted.paymentHash,
    amountMsat: amountSats * 1000,
    expiresAt: new Date(minted.timestamp * 1000 + 3600_000).toISOString(),
  };
}

const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

describe.each<LnbitsVersion>(['1.x', '0.12'])('VoltzClient against the sandbox LNbits %s', (version) => {
  const legacy = version === '0.12';
  let lnbits: SandboxLnbitsServer;
  let client: VoltzClient;

  beforeAll(async () => {
    lnbits = await SandboxLnbitsServer.start({ network: 'bitcoin', version, feeMsat: 1000 });
    client = new VoltzClient({ baseUrl: `${lnbits.url}/`, adminKey: lnbits.adminKey, timeoutMs: TIMEOUT_MS });
  });
  afterAll(() => lnbits.close());
  beforeEach(() => {
    lnbits.clearFaults();
    lnbits.setBalance(100_000_000_000);
  });

  it('pays an invoice; the status check confirms it with the real preimage and the fee', async () => {
    const invoice = freshInvoice();
    const outcome = await client.pay(invoice);
    if (legacy) {
      // 0.12 answers {payment_hash, checking_id}: success or still in flight, only the status check knows.
      expect(outcome).toEqual({ kind: 'pending', reason: expect.stringContaining('0.12') });
    } else {
      expect(outcome).toEqual({ kind: 'settled', preimage: expect.any(String), feeMsat: 1000 });
      expect(outcome.kind === 'settled' && sha256(outcome.preimage ?? '')).toBe(invoice.paymentHash);
    }
    const status = await client.checkPayment(invoice.paymentHash);
    expect(status).toEqual({ kind: 'settled', preimage: expect.any(String), feeMsat: 1000 });
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(21_000_000);
  });

  it('never pays a hash twice; a re-POST reads as already paid (1.x) or unknown (0.12)', async () => {
    const invoice = freshInvoice();
    await client.pay(invoice);
    const again = await client.pay(invoice);
    if (legacy)
      expect(again).toMatchObject({
        kind: 'unknown',
        http520: { source: 'lnbits', detail: 'Could not make payment.', lnbitsStatus: null },
      });
    else
      expect(again).toMatchObject({
        kind: 'pending',
        http520: { source: 'lnbits', detail: 'Payment already paid.', lnbitsStatus: 'success' },
      });
    expect(lnbits.payments().filter((p) => p.paymentHash === invoice.paymentHash)).toHaveLength(1);
    expect(lnbits.postCount(invoice.paymentHash)).toBe(2);
  });

  it('refuses without paying when the balance is short, and the same invoice pays after a top-up', async () => {
    const invoice = freshInvoice(10_000);
    lnbits.setBalance(5_000_000);
    expect(await client.pay(invoice)).toMatchObject({
      kind: 'rejected',
      category: 'balance',
      reason: expect.stringContaining('Insufficient balance.'),
    });
    lnbits.setBalance(10_000_000 + 1000); // the reserve for 10 000 sat is 1 % = 100 sat
    expect(await client.pay(invoice)).toMatchObject({
      kind: 'rejected',
      category: 'balance',
      reason: expect.stringContaining('You must reserve at least (100 sat)'),
    });
    expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'not_found' });
    lnbits.topUp(99_000);
    expect((await client.pay(invoice)).kind).toBe(legacy ? 'pending' : 'settled');
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(10_000_000);
    // 100 sat reserved, 1 sat fee charged: 99 sat come back.
    expect(lnbits.balanceMsat).toBe(99_000);
  });

  it('LNbits 520 failed: the hash is dead (1.x: failed; 0.12: unknown, the status check then finds nothing)', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' } });
    const outcome = await client.pay(invoice);
    if (legacy) {
      expect(outcome).toMatchObject({ kind: 'unknown', http520: { source: 'lnbits', lnbitsStatus: null } });
      expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'not_found' });
    } else {
      expect(outcome).toMatchObject({ kind: 'failed', newInvoiceMayHelp: true, http520: { source: 'lnbits', lnbitsStatus: 'failed' } });
      expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'failed' });
      expect(await client.pay(invoice)).toMatchObject({ kind: 'failed', reason: expect.stringContaining('retrying is not possible') });
    }
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(0);
  });

  it('LNbits 520 pending, then settled on demand', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'pending' } });
    expect(await client.pay(invoice)).toMatchObject(
      legacy ? { kind: 'unknown' } : { kind: 'pending', http520: { detail: 'Payment is still pending.' } },
    );
    expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'pending' });
    expect(lnbits.settlePending(invoice.paymentHash)).toBe(true);
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'settled', feeMsat: 1000 });
  });

  it('LNbits 520 success ("Payment already paid.")', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'success' }, paymentHash: invoice.paymentHash });
    expect(await client.pay(invoice)).toMatchObject(
      legacy ? { kind: 'unknown' } : { kind: 'pending', http520: { lnbitsStatus: 'success' } },
    );
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'settled' });
  });

  it.each([
    ['before paying', false, 520],
    ['after paying', true, 520],
    ['after paying, 524', true, 524],
  ])('Cloudflare %s: unknown with CF-RAY; the status check tells the truth', async (_label, paid, httpStatus) => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid, httpStatus } });
    const outcome = await client.pay(invoice);
    expect(outcome).toEqual({
      kind: 'unknown',
      reason: expect.stringContaining(`Cloudflare HTTP ${httpStatus}`),
      http520: { source: 'cloudflare', httpStatus, cfRay: expect.stringMatching(/^[0-9a-f]{16}-GRU$/) },
    });
    expect((await client.checkPayment(invoice.paymentHash)).kind).toBe(paid ? 'settled' : 'not_found');
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(paid ? 21_000_000 : 0);
  });

  it('a wallet that pays and never answers: unknown after the timeout, settled by status', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'hang' } });
    const started = Date.now();
    expect(await client.pay(invoice)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('no answer') });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'settled' });
  });

  it('a connection reset is unknown', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'reset', paid: true } });
    expect(await client.pay(invoice)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(21_000_000);
  });

  it('201 pending, settled after two status checks', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending', settleAfterChecks: 2 }, paymentHash: invoice.paymentHash });
    expect(await client.pay(invoice)).toMatchObject({ kind: 'pending' });
    expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'pending' });
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'settled', feeMsat: 1000 });
  });

  it('a pending payment that finally fails', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'pending' } });
    await client.pay(invoice);
    lnbits.failPending(invoice.paymentHash);
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject(legacy ? { kind: 'not_found' } : { kind: 'failed' });
    expect(lnbits.balanceMsat).toBe(100_000_000_000);
  });

  it('the status endpoint lagging with 404 for a payment that exists', async () => {
    const invoice = freshInvoice();
    lnbits.injectFault({ endpoint: 'status', fault: { kind: 'not_found' }, paymentHash: invoice.paymentHash, times: 2 });
    await client.pay(invoice);
    expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'not_found' });
    expect(await client.checkPayment(invoice.paymentHash)).toEqual({ kind: 'not_found' });
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'settled' });
  });

  it.each([
    ['Cloudflare', { kind: 'cloudflare' as const }],
    ['a hang', { kind: 'hang' as const }],
    ['a 502', { kind: 'http' as const, httpStatus: 502, body: 'Bad Gateway' }],
  ])('a status check answered by %s is unknown', async (_label, fault) => {
    const invoice = freshInvoice();
    await client.pay(invoice);
    lnbits.injectFault({ endpoint: 'status', fault });
    expect(await client.checkPayment(invoice.paymentHash)).toMatchObject({ kind: 'unknown' });
  });

  it.each([
    ['400 daily limit', 400, { detail: 'Daily withdrawal limit of 1000 sats reached.' }, { kind: 'rejected', category: 'limit' }],
    ['500', 500, { detail: 'Internal Server Error' }, { kind: 'unknown' }],
    ['200 garbage', 200, 'not json', { kind: 'unknown' }],
  ])('a raw %s answer', async (_label, httpStatus, body, expected) => {
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'http', httpStatus, body } });
    expect(await client.pay(freshInvoice())).toMatchObject(expected);
  });

  it('refuses an invoice for another network without paying', async () => {
    const testnet = mintInvoice({ network: 'testnet', amountMsat: 1000 });
    const outcome = await client.pay({
      bolt11: testnet.bolt11,
      paymentHash: testnet.paymentHash,
      amountMsat: 1000,
      expiresAt: new Date().toISOString(),
    });
    expect(outcome).toMatchObject(legacy ? { kind: 'rejected', category: 'bad_request' } : { kind: 'failed', newInvoiceMayHelp: false });
  });

  it('holds a POST until released; a dropped request leaves nothing paid', async () => {
    const invoice = freshInvoice();
    const hold = lnbits.holdNextPayment();
    const paying = client.pay(invoice);
    expect(await hold.arrived).toEqual({ paymentHash: invoice.paymentHash });
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(0);
    hold.release({ process: false });
    expect(await paying).toMatchObject({ kind: 'unknown' });
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(0);
  });

  it('holds a POST after paying; released, it answers normally', async () => {
    const invoice = freshInvoice();
    const hold = lnbits.holdNextPayment({ payBeforeHold: true });
    const paying = client.pay(invoice);
    await hold.arrived;
    expect(lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(21_000_000);
    hold.release();
    expect((await paying).kind).toBe(legacy ? 'pending' : 'settled');
  });

  it('reads the wallet and lists payments', async () => {
    lnbits.setBalance(123_456_000);
    expect(await client.getWallet()).toEqual({ name: 'Sandbox wallet', balanceMsat: 123_456_000 });
    const invoice = freshInvoice(1000);
    await client.pay(invoice);
    const listed = await client.listPayments({ limit: 5, offset: 0 });
    expect(listed[0]).toEqual({
      paymentHash: invoice.paymentHash,
      amountMsat: -1_000_000,
      feeMsat: 1000,
      status: 'success',
      preimage: expect.any(String),
    });
    expect(listed.length).toBeLessThanOrEqual(5);
    expect(listed.every((p) => p.status !== 'failed')).toBe(true);
  });

  it('treats an unknown key as configuration on every call', async () => {
    const wrong = new VoltzClient({ baseUrl: lnbits.url, adminKey: 'not-the-key', timeoutMs: TIMEOUT_MS });
    expect(await wrong.pay(freshInvoice())).toMatchObject({
      kind: 'rejected',
      category: 'configuration',
      reason: expect.stringContaining('Wallet not found.'),
    });
    expect(await wrong.checkPayment('ab'.repeat(32))).toMatchObject({ kind: 'rejected', category: 'configuration' });
    await expect(wrong.getWallet()).rejects.toMatchObject({ name: 'VoltzError', category: 'configuration' });
  });

  it('treats the invoice (read-only) key as configuration when paying', async () => {
    const readOnly = new VoltzClient({ baseUrl: lnbits.url, adminKey: lnbits.invoiceKey, timeoutMs: TIMEOUT_MS });
    expect(await readOnly.pay(freshInvoice())).toMatchObject({ kind: 'rejected', category: 'configuration' });
    expect((await readOnly.getWallet()).name).toBe('Sandbox wallet');
  });

  it('can be driven over HTTP: POST /sandbox/faults', async () => {
    const invoice = freshInvoice();
    const created = await axios.post(`${lnbits.url}/sandbox/faults`, {
      endpoint: 'pay',
      fault: { kind: 'cloudflare', paid: true },
      paymentHash: invoice.paymentHash,
    });
    expect(created.status).toBe(201);
    expect((await client.pay(invoice)).kind).toBe('unknown');
    const bad = await axios.post(
      `${lnbits.url}/sandbox/faults`,
      { endpoint: 'pay', fault: { kind: 'nope' } },
      { validateStatus: () => true },
    );
    expect(bad.status).toBe(400);
    await axios.post(`${lnbits.url}/sandbox/balance`, { msat: 42_000 });
    expect(lnbits.balanceMsat).toBe(42_000);
  });
});

describe('VoltzClient without a wallet', () => {
  it('reports a refused connection as unknown / unavailable', async () => {
    const lnbits = await SandboxLnbitsServer.start({ network: 'bitcoin' });
    const url = lnbits.url;
    await lnbits.close();
    const client = new VoltzClient({ baseUrl: url, adminKey: 'a'.repeat(32), timeoutMs: TIMEOUT_MS });
    expect(await client.pay(freshInvoice())).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('ECONNREFUSED') });
    expect(await client.checkPayment('ab'.repeat(32))).toMatchObject({ kind: 'unknown' });
    await expect(client.getWallet()).rejects.toBeInstanceOf(VoltzError);
  });

  it('closes a sandbox holding a hanging payment', async () => {
    const lnbits = await SandboxLnbitsServer.start({ network: 'bitcoin' });
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'hang' } });
    const client = new VoltzClient({ baseUrl: lnbits.url, adminKey: lnbits.adminKey, timeoutMs: 5000 });
    const paying = client.pay(freshInvoice());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await lnbits.close();
    expect(await paying).toMatchObject({ kind: 'unknown' });
  });
});
