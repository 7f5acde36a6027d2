import { readFileSync } from 'fs';
import { join } from 'path';
import { signWebhookBody } from '../../src/infrastructure/webhook/webhook-signature';

type Verify = (rawBody: Buffer | string, header: string | undefined, secret: string, nowMs?: number) => boolean;

/** The README's first code block under "Verifying webhooks", run as a bot would run it. */
function readmeVerifier(): Verify {
  const section = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').split(/^## Verifying webhooks$/m)[1];
  const code = /```js\n([\s\S]*?)```/.exec(section)![1];
  return new Function('require', `${code}\nreturn verifyWebhook;`)(require) as Verify;
}

describe("README's webhook verification snippet", () => {
  const verify = readmeVerifier();
  const secret = 'a-webhook-secret-of-32-characters';
  const body = Buffer.from(JSON.stringify({ id: '0190f1e2-0000-7000-8000-000000000001', type: 'payout.settled', orderId: 'ord_1' }));
  const t = 1_760_000_000;
  const header = signWebhookBody(secret, t, body);

  it("accepts what the service signs, on the raw bytes, within five minutes of the bot's clock", () => {
    expect(verify(body, header, secret, t * 1000)).toBe(true);
    expect(verify(body, header, secret, (t + 299) * 1000)).toBe(true);
    expect(verify(body.toString('utf8'), header, secret, (t - 299) * 1000)).toBe(true);
  });

  it('refuses a changed body, another secret, an old or future timestamp and a malformed header', () => {
    expect(verify(Buffer.concat([body, Buffer.from(' ')]), header, secret, t * 1000)).toBe(false);
    expect(verify(body, header, 'another-secret-of-32-characters!!', t * 1000)).toBe(false);
    expect(verify(body, header, secret, (t + 301) * 1000)).toBe(false);
    expect(verify(body, header, secret, (t - 301) * 1000)).toBe(false);
    expect(verify(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, t * 1000)).toBe(false);
    expect(verify(body, undefined, secret, t * 1000)).toBe(false);
    expect(verify(body, 'v1=00', secret, t * 1000)).toBe(false);
  });
});
