import { Sandbox, startSandbox } from '../../src/infrastructure/sandbox/sandbox';
import { SandboxHttpServer, sendJson } from '../../src/infrastructure/sandbox/sandbox-http-server';
import { LogCapture } from '../support/log-capture';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Lightning Address servers that misbehave on purpose, against the real app:
 * one that sends its callback (or a redirect) into another domain's override
 * origin, and one whose error reason carries a terminal escape and a bidi
 * override. Nothing is paid, and the reason is stored, shown and sent inert.
 */
const EVIL = 'evil.test';
const RUDE_REASON = 'nope \u001b[31mred\u001b[0m \u202Eyap\u202C';
const ESCAPED_REASON = 'nope \\u001b[31mred\\u001b[0m \\u202eyap\\u202c';
const SECRET = 'whsec_hostile_servers_0123456789';

describe('Hostile Lightning Address servers (real app, sandbox wallet over HTTP)', () => {
  let sandbox: Sandbox;
  let evil: SandboxHttpServer;
  let h: PayoutHarness;
  let bot: WebhookReceiver;
  const logs = new LogCapture('info');

  beforeAll(async () => {
    sandbox = await startSandbox({ network: 'regtest' });
    const honest = `${sandbox.lnurlBaseUrl}/.well-known/lnurlp/alice`;
    const honestCallback = ((await (await fetch(honest)).json()) as { callback: string }).callback;
    evil = await SandboxHttpServer.start((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.endsWith('/callback-into')) {
        return sendJson(res, 200, {
          tag: 'payRequest',
          callback: honestCallback,
          minSendable: 1000,
          maxSendable: 10_000_000_000,
          metadata: '[["text/plain","x"]]',
        });
      }
      if (path.endsWith('/redirect-into')) {
        res.writeHead(307, { Location: honest });
        return void res.end();
      }
      if (path.endsWith('/rude')) return sendJson(res, 200, { status: 'ERROR', reason: RUDE_REASON });
      sendJson(res, 404, {});
    });
    bot = await WebhookReceiver.start(SECRET);
    h = await startPayoutHarness(
      {
        LNURL_HOST_OVERRIDES: `${sandbox.addressDomain}=${sandbox.lnurlBaseUrl},${EVIL}=${evil.url}`,
        BOT_WEBHOOK_URL: bot.url,
        BOT_WEBHOOK_SECRET: SECRET,
      },
      undefined,
      { sandbox, logger: logs.logger },
    );
  });
  afterAll(async () => {
    await h?.close();
    await bot?.close();
    await evil?.close();
    await sandbox?.close();
  });

  it.each([
    ['its callback', 'callback-into', 'callback'],
    ['a redirect', 'redirect-into', 'payRequest: redirected to'],
  ])("refuses another domain's override origin reached through %s, and pays nothing", async (_how, user, where) => {
    const orderId = `ssrf_${user.replace(/-/g, '_')}`;
    const mintedBefore = sandbox.lnurl.minted().length;
    expect((await h.confirm(orderId, 1000, `${user}@${EVIL}`)).status).toBe(201);
    const failed = await h.waitForStatus(orderId, ['FAILED', 'SETTLED', 'RETRY_QUEUED', 'NEEDS_ATTENTION']);
    expect(failed.status).toBe('FAILED');
    expect(failed.lastError).toContain(`${user}@${EVIL}: ${where}`);
    expect(failed.lastError).toContain(`${sandbox.lnurlBaseUrl}: only https://`);
    expect(sandbox.lnurl.minted()).toHaveLength(mintedBefore);
    expect(await h.paidMsat(orderId)).toBe(0);
  });

  it('stores a reason with ESC and U+202E escaped: in the event, lastError, the webhook and the log', async () => {
    const orderId = 'rude_reason';
    expect((await h.confirm(orderId, 1000, `rude@${EVIL}`)).status).toBe(201);
    await h.waitForStatus(orderId, ['FAILED']);
    const rejected = (await h.events(orderId)).find((event) => event.type === 'DestinationRejected')!;
    expect(rejected.data.reason).toContain(ESCAPED_REASON);
    expect(JSON.stringify(rejected.data)).not.toContain('\u202e');
    expect(String(rejected.data.reason)).not.toContain('\u001b');
    const payout = await h.bot('GET', `/v1/payouts/${orderId}`);
    expect(payout.body.lastError).toContain(ESCAPED_REASON);
    const hook = await bot.next(orderId, 'payout.failed');
    expect(hook.body.payout.lastError).toContain(ESCAPED_REASON);
    // A raw ESC would show in the JSON line as an unescaped \u001b; a raw U+202E as itself.
    const lines = logs.raw.filter((line) => line.includes('rude@'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/(?<!\\)\\u001b|\u202e/);
  });
});
