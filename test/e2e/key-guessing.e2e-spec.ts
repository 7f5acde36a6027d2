import http from 'node:http';
import { LogCapture } from '../support/log-capture';
import { KEYS, TestApp, startTestApp } from '../support/test-app';
import { TestClock } from '../support/test-clock';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { code?: string };
}

/** GET with a bearer key from a chosen loopback source address (fetch cannot pick one). */
function get(app: TestApp, path: string, key: string, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${app.url}${path}`,
      { headers: { authorization: `Bearer ${key}` }, localAddress, agent: false },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            retryAfter: response.headers['retry-after'] as string | undefined,
            body: JSON.parse(text),
          }),
        );
      },
    );
    request.on('error', reject);
  });
}

describe('Failed authentications are rate limited per client address (real app)', () => {
  let app: TestApp;
  const clock = new TestClock();
  const logs = new LogCapture('info');
  beforeAll(async () => {
    app = await startTestApp({ clock, logger: logs.logger, env: { AUTH_FAILURES_PER_MINUTE: '20' } });
  });
  afterAll(async () => app.close());

  it('300 wrong-key guesses from one address: 401 up to the limit, then 429 rate_limited with Retry-After, logged once', async () => {
    const answers: Answer[] = [];
    for (let batch = 0; batch < 10; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => get(app, '/v1/admin/payouts', `guess-${batch}-${i}`)))));
    }
    expect(answers.filter((a) => a.status === 401)).toHaveLength(20);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(280);
    for (const answer of limited) {
      expect(answer.body.code).toBe('rate_limited');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
    expect(logs.lines.filter((l) => l.context === 'Auth' && /too many failed authentications from/.test(l.msg))).toHaveLength(1);
    expect(logs.raw.join('\n')).not.toContain('guess-');

    // While blocked the key is not even checked: a right guess would look like every other answer.
    expect((await get(app, '/v1/payouts/nobody', KEYS.bot)).status).toBe(429);
    // Another address is not affected.
    expect((await get(app, '/v1/payouts/nobody', KEYS.bot, '127.0.0.2')).status).toBe(404);
    expect((await get(app, '/v1/payouts/nobody', 'wrong-key', '127.0.0.2')).status).toBe(401);

    clock.advance(60_000);
    expect((await get(app, '/v1/payouts/nobody', KEYS.bot)).status).toBe(404);
    expect((await get(app, '/v1/payouts/nobody', 'wrong-again')).status).toBe(401);
  });
});
