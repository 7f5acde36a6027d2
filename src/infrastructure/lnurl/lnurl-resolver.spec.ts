import { LookupAddress } from 'node:dns';
import { Clock } from '../../application/ports/clock.port';
import { validateInvoice } from '../../domain/destination/validate-invoice';
import { mintInvoice } from '../sandbox/invoice-minter';
import { SandboxHttpServer, sendJson, sendText } from '../sandbox/sandbox-http-server';
import { SandboxLnurlServer } from '../sandbox/sandbox-lnurl-server';
import { ResolveAll } from './guarded-lookup';
import { LnurlHttpClient } from './lnurl-http-client';
import { LnurlResolver, LnurlResolverOptions } from './lnurl-resolver';

const NOW = new Date('2025-07-09T12:00:00Z');
const clock: Clock = { now: () => NOW };
const DOMAIN = 'sandbox.pix-lightning.test';
const TIMEOUT_MS = 300;

/** A fake DNS table: names map to the given addresses, everything else does not exist. */
function fakeDns(table: Record<string, string[]>): ResolveAll {
  return (hostname, callback) => {
    const addresses = table[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

describe('LnurlResolver against the sandbox Lightning Address server', () => {
  let lnurl: SandboxLnurlServer;
  let resolver: LnurlResolver;

  function makeResolver(overrides: Partial<LnurlResolverOptions> = {}): LnurlResolver {
    return new LnurlResolver({
      network: 'signet',
      timeoutMs: TIMEOUT_MS,
      maxResponseBytes: 64 * 1024,
      hostOverrides: new Map([[DOMAIN, lnurl.baseUrl]]),
      minRemainingSeconds: 60,
      clock,
      ...overrides,
    });
  }

  beforeAll(async () => {
    lnurl = await SandboxLnurlServer.start({ network: 'signet', clock, slowMs: 2000 });
    resolver = makeResolver();
  });
  afterAll(() => lnurl.close());

  it('resolves a well-behaved user to a signed invoice for exactly the amount', async () => {
    const result = await resolver.resolve(`Alice@${DOMAIN.toUpperCase()}`, 21_000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const minted = lnurl.minted().at(-1);
    expect(minted).toMatchObject({ username: 'alice', paymentHash: result.invoice.paymentHash, amountMsat: 21_000_000, network: 'signet' });
    expect(result.invoice).toEqual({
      bolt11: minted?.bolt11,
      paymentHash: minted?.paymentHash,
      amountMsat: 21_000_000,
      expiresAt: new Date(NOW.getTime() + 3600_000).toISOString(),
    });
    expect(validateInvoice(result.invoice.bolt11, { amountSats: 21_000, network: 'signet', now: NOW, minRemainingSeconds: 60 }).ok).toBe(
      true,
    );
  });

  it('mints a new payment hash on every resolution, and accepts +tag usernames', async () => {
    const first = await resolver.resolve(`bob+order1@${DOMAIN}`, 1000);
    const second = await resolver.resolve(`bob+order1@${DOMAIN}`, 1000);
    expect(first.ok && second.ok && first.invoice.paymentHash !== second.invoice.paymentHash).toBe(true);
  });

  it.each([
    ['wrongamount', 'amount_mismatch'],
    ['othernetwork', 'wrong_network'],
    ['expired', 'expired'],
    ['badsignature', 'bad_signature'],
    ['amountless', 'amountless'],
    ['error', 'callback answered ERROR: cannot create an invoice right now'],
    ['errorfirst', 'server answered ERROR: this account cannot receive payments'],
    ['notfound', 'HTTP 404'],
    ['garbage', 'payRequest is not a JSON object'],
    ['badmetadata', 'metadata has no text/plain entry'],
    ['outofrange', "outside the server's range 1000..1000 msat"],
    ['oversized', 'response larger than 65536 bytes'],
    ['redirect', 'redirected to http://169.254.169.254/latest/meta-data/: http://169.254.169.254: only https://'],
    ['privatecallback', '127.0.0.1 is loopback (127/8): refused'],
    ['localhostcallback', 'localhost resolves to'],
  ])('refuses %s permanently (%s)', async (user, reason) => {
    const result = await resolver.resolve(`${user}@${DOMAIN}`, 21_000);
    expect(result).toEqual({ ok: false, permanent: true, reason: expect.stringContaining(reason) });
    expect(!result.ok && result.reason).toContain(`${user}@${DOMAIN}`);
  });

  it('reports a server slower than the timeout as transient, without waiting for it', async () => {
    const started = Date.now();
    const result = await resolver.resolve(`slow@${DOMAIN}`, 21_000);
    expect(result).toEqual({ ok: false, permanent: false, reason: expect.stringContaining(`no answer within ${TIMEOUT_MS} ms`) });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports 503s as transient and succeeds once the server recovers', async () => {
    const address = `flaky+t1@${DOMAIN}`;
    expect(await resolver.resolve(address, 500)).toMatchObject({
      ok: false,
      permanent: false,
      reason: expect.stringContaining('HTTP 503'),
    });
    expect(await resolver.resolve(address, 500)).toMatchObject({ ok: false, permanent: false });
    expect(await resolver.resolve(address, 500)).toMatchObject({ ok: true });
  });

  it.each([
    ['not an address', 'alice'],
    ['a single-label domain', 'alice@localhost'],
    ['an IP literal domain', 'alice@127.0.0.1'],
  ])('refuses %s before any request', async (_label, address) => {
    expect(await resolver.resolve(address, 1000)).toMatchObject({
      ok: false,
      permanent: true,
      reason: expect.stringContaining('invalid Lightning Address'),
    });
  });

  it.each([0, -1, 1.5])('refuses an amount of %p sats', async (amountSats) => {
    expect(await resolver.resolve(`alice@${DOMAIN}`, amountSats)).toMatchObject({ ok: false, permanent: true });
  });

  it('checks the amount against minSendable/maxSendable before calling back', async () => {
    const before = lnurl.minted().length;
    expect(await resolver.resolve(`outofrange@${DOMAIN}`, 2)).toMatchObject({ ok: false, permanent: true });
    expect(lnurl.minted()).toHaveLength(before);
  });

  describe('SSRF guard', () => {
    it('refuses a domain resolving to a private address (any of its addresses), without connecting', async () => {
      const guarded = makeResolver({
        resolveAll: fakeDns({
          'evil.example': ['10.0.0.5'],
          'mixed.example': ['93.184.216.34', '127.0.0.1'],
          'meta.example': ['169.254.169.254'],
          'v6.example': ['::1'],
        }),
      });
      for (const [domain, address] of [
        ['evil.example', '10.0.0.5'],
        ['mixed.example', '127.0.0.1'],
        ['meta.example', '169.254.169.254'],
        ['v6.example', '::1'],
      ]) {
        const result = await guarded.resolve(`alice@${domain}`, 1000);
        expect(result).toEqual({ ok: false, permanent: true, reason: expect.stringContaining(`${domain} resolves to ${address}`) });
      }
    });

    it('refuses localhost resolved by the real system resolver when no override names it', async () => {
      const client = new LnurlHttpClient({ timeoutMs: TIMEOUT_MS, maxResponseBytes: 1024 });
      const port = new URL(lnurl.baseUrl).port;
      const result = await client.get(`https://localhost:${port}/.well-known/lnurlp/alice`);
      expect(result).toEqual({
        ok: false,
        permanent: true,
        reason: expect.stringMatching(/localhost resolves to (127\.0\.0\.1|::1).*refused/),
      });
    });

    it.each([
      'https://127.0.0.1/x',
      'https://127.1/x',
      'https://2130706433/x',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/x',
      'https://192.168.1.1/x',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
    ])('refuses the literal address in %s', async (url) => {
      const client = new LnurlHttpClient({ timeoutMs: TIMEOUT_MS, maxResponseBytes: 1024 });
      expect(await client.get(url)).toMatchObject({ ok: false, permanent: true, reason: expect.stringContaining('refused') });
    });

    it.each(['http://example.com/x', 'ftp://example.com/x', 'https://user:pw@example.com/x'])(
      'refuses %s (scheme or credentials)',
      async (url) => {
        const client = new LnurlHttpClient({ timeoutMs: TIMEOUT_MS, maxResponseBytes: 1024 });
        expect(await client.get(url)).toMatchObject({ ok: false, permanent: true });
      },
    );

    it('trusts an override origin only: the same host on another port is refused', async () => {
      const other = await SandboxHttpServer.start((_req, res) => sendJson(res, 200, {}));
      try {
        const client = new LnurlHttpClient({ timeoutMs: TIMEOUT_MS, maxResponseBytes: 64 * 1024 });
        expect(await client.get(`${lnurl.baseUrl}/sandbox/users`, lnurl.baseUrl)).toMatchObject({ ok: true, status: 200 });
        expect(await client.get(`${other.url}/`, lnurl.baseUrl)).toMatchObject({ ok: false, permanent: true });
        // Trust is given per request: without naming the origin, the same URL is checked like any stranger's.
        expect(await client.get(`${lnurl.baseUrl}/sandbox/users`)).toMatchObject({ ok: false, permanent: true });
      } finally {
        await other.close();
      }
    });
  });

  describe('HTTP failures from a custom peer', () => {
    let peer: SandboxHttpServer;
    let hits = 0;

    beforeAll(async () => {
      peer = await SandboxHttpServer.start((req, res) => {
        hits += 1;
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path.endsWith('/loop')) {
          res.writeHead(302, { Location: '/.well-known/lnurlp/loop' });
          return void res.end();
        }
        if (path.endsWith('/busy')) return sendText(res, 429, 'slow down');
        if (path.endsWith('/broken')) return sendJson(res, 500, { status: 'ERROR', reason: 'database down' });
        if (path.endsWith('/gone')) return sendJson(res, 410, { status: 'ERROR', reason: 'account closed' });
        if (path.endsWith('/hop')) {
          res.writeHead(307, { Location: `${lnurl.baseUrl}/.well-known/lnurlp/alice` });
          return void res.end();
        }
        sendJson(res, 404, {});
      });
    });
    afterAll(() => peer.close());

    function peerResolver() {
      return makeResolver({
        hostOverrides: new Map([
          ['peer.test', peer.url],
          [DOMAIN, lnurl.baseUrl],
        ]),
      });
    }

    it('stops a redirect loop after 3 hops', async () => {
      hits = 0;
      expect(await peerResolver().resolve('loop@peer.test', 1000)).toMatchObject({
        ok: false,
        permanent: true,
        reason: expect.stringContaining('more than 3 redirects'),
      });
      expect(hits).toBe(4);
    });

    it("refuses a redirect into another domain's override origin, like any private address", async () => {
      const minted = lnurl.minted().length;
      for (const resolver of [peerResolver(), makeResolver({ hostOverrides: new Map([['peer.test', peer.url]]) })]) {
        expect(await resolver.resolve('hop@peer.test', 1000)).toMatchObject({
          ok: false,
          permanent: true,
          reason: expect.stringContaining(`redirected to ${lnurl.baseUrl}/.well-known/lnurlp/alice: ${lnurl.baseUrl}: only https://`),
        });
      }
      expect(lnurl.minted()).toHaveLength(minted);
    });

    it.each([
      ['busy', false, 'HTTP 429'],
      ['broken', false, 'HTTP 500'],
      ['gone', true, 'HTTP 410'],
    ])('classifies %s', async (user, permanent, reason) => {
      expect(await peerResolver().resolve(`${user}@peer.test`, 1000)).toEqual({
        ok: false,
        permanent,
        reason: expect.stringContaining(reason),
      });
    });

    it('reports a refused connection as transient', async () => {
      const closed = await SandboxHttpServer.start(() => undefined);
      const url = closed.url;
      await closed.close();
      const down = makeResolver({ hostOverrides: new Map([['down.test', url]]) });
      expect(await down.resolve('alice@down.test', 1000)).toMatchObject({
        ok: false,
        permanent: false,
        reason: expect.stringContaining('ECONNREFUSED'),
      });
    });
  });

  it('keeps the network of the resolver: a bitcoin sandbox invoice is refused on signet', async () => {
    const mainnet = await SandboxLnurlServer.start({ network: 'bitcoin', clock });
    try {
      const onSignet = makeResolver({ hostOverrides: new Map([[DOMAIN, mainnet.baseUrl]]) });
      expect(await onSignet.resolve(`alice@${DOMAIN}`, 1000)).toMatchObject({
        ok: false,
        permanent: true,
        reason: expect.stringContaining('wrong_network'),
      });
      const onBitcoin = makeResolver({ network: 'bitcoin', hostOverrides: new Map([[DOMAIN, mainnet.baseUrl]]) });
      expect(await onBitcoin.resolve(`alice@${DOMAIN}`, 1000)).toMatchObject({ ok: true });
    } finally {
      await mainnet.close();
    }
  });

  it('mints invoices the minter helper also produces (sanity of the shared helper)', () => {
    const minted = mintInvoice({ network: 'signet', amountMsat: 1000, timestamp: NOW.getTime() / 1000 });
    expect(minted.bolt11.startsWith('lntbs10n1')).toBe(true);
  });
});
