import { InvalidConfigurationError, SANDBOX_API_KEYS, loadConfig } from './load-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected an invalid configuration');
}

describe('loadConfig', () => {
  it('applies api.md defaults: sandbox, SQLite under ./data, every default value', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      dataDir: './data',
      eventStore: { kind: 'sqlite' },
      voltz: null,
      voltzTimeoutMs: 30000,
      network: 'bitcoin',
      maxPayoutSats: 1_000_000,
      paymentRetryAttempts: 4,
      paymentRetryBaseMs: 1000,
      paymentNotFoundGraceMs: 120000,
      fallbackCron: '*/5 * * * *',
      escalateAfterAttempts: 10,
      webhook: null,
      lnurlTimeoutMs: 10000,
    });
    expect(config.lnurlHostOverrides.size).toBe(0);
  });

  it('reads the Voltz monitor settings: probe every 30 s, breaker after 5 unknown POSTs by default, bounded', () => {
    expect(loadConfig({})).toMatchObject({ voltzProbeIntervalMs: 30000, voltzBreakerThreshold: 5 });
    expect(loadConfig({ VOLTZ_PROBE_INTERVAL_MS: '100', VOLTZ_BREAKER_THRESHOLD: '1' })).toMatchObject({ voltzProbeIntervalMs: 100, voltzBreakerThreshold: 1 });
    const problems = problemsOf({ VOLTZ_PROBE_INTERVAL_MS: '99', VOLTZ_BREAKER_THRESHOLD: '0' });
    expect(problems).toEqual([expect.stringMatching(/^VOLTZ_PROBE_INTERVAL_MS must not be less than 100/), expect.stringMatching(/^VOLTZ_BREAKER_THRESHOLD must not be less than 1/)]);
  });

  it('gives sandbox mode well-known keys only when no key list is set', () => {
    expect(loadConfig({}).apiKeys).toEqual({ bot: [SANDBOX_API_KEYS.bot], admin: [SANDBOX_API_KEYS.admin], auditor: [SANDBOX_API_KEYS.auditor] });
    expect(loadConfig({ BOT_API_KEYS: 'a,b' }).apiKeys).toEqual({ bot: ['a', 'b'], admin: [], auditor: [] });
  });

  it('reads every variable of the table', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/var/lib/pll',
      EVENT_STORE: 'esdb',
      EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false',
      VOLTZ_URL: 'https://voltz.example',
      VOLTZ_ADMIN_KEY: 'k',
      VOLTZ_TIMEOUT_MS: '5000',
      LIGHTNING_NETWORK: 'signet',
      MAX_PAYOUT_SATS: '50000',
      PAYMENT_RETRY_ATTEMPTS: '3',
      PAYMENT_RETRY_BASE_MS: '250',
      PAYMENT_NOT_FOUND_GRACE_MS: '60000',
      FALLBACK_CRON: '*/30 * * * * *',
      ESCALATE_AFTER_ATTEMPTS: '6',
      BOT_WEBHOOK_URL: 'https://bot.example/hooks',
      BOT_WEBHOOK_SECRET: 'a-secret-of-enough-length',
      LNURL_TIMEOUT_MS: '2000',
      LNURL_HOST_OVERRIDES: 'sandbox.test=http://127.0.0.1:8080',
      BOT_API_KEYS: 'b1',
      ADMIN_API_KEYS: 'a1,shared',
      AUDITOR_API_KEYS: 'shared',
    });
    expect(config).toMatchObject({
      port: 8080,
      eventStore: { kind: 'esdb', connectionString: 'esdb://localhost:2113?tls=false' },
      voltz: { url: 'https://voltz.example', adminKey: 'k' },
      network: 'signet',
      fallbackCron: '*/30 * * * * *',
      webhook: { url: 'https://bot.example/hooks', secret: 'a-secret-of-enough-length' },
      apiKeys: { bot: ['b1'], admin: ['a1', 'shared'], auditor: ['shared'] },
    });
    expect([...config.lnurlHostOverrides]).toEqual([['sandbox.test', 'http://127.0.0.1:8080']]);
  });

  it('reports every problem, one line each, naming the variable', () => {
    const problems = problemsOf({
      PORT: 'abc',
      EVENT_STORE: 'postgres',
      LIGHTNING_NETWORK: 'mainnet',
      MAX_PAYOUT_SATS: '0',
      FALLBACK_CRON: 'every five minutes',
      PAYMENT_RETRY_ATTEMPTS: '1.5',
      LNURL_HOST_OVERRIDES: 'no-equals-sign',
    });
    for (const name of ['PORT', 'EVENT_STORE', 'LIGHTNING_NETWORK', 'MAX_PAYOUT_SATS', 'FALLBACK_CRON', 'PAYMENT_RETRY_ATTEMPTS', 'LNURL_HOST_OVERRIDES']) {
      expect(problems.filter((p) => p.includes(name))).toHaveLength(1);
    }
    expect(problems).toHaveLength(7);
  });

  it('requires the pieces that go together', () => {
    expect(problemsOf({ EVENT_STORE: 'esdb' }).join('\n')).toMatch(/EVENTSTORE_CONNECTION_STRING/);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example', BOT_API_KEYS: 'b', ADMIN_API_KEYS: 'a' }).join('\n')).toMatch(/VOLTZ_ADMIN_KEY is required/);
    expect(problemsOf({ VOLTZ_ADMIN_KEY: 'k' }).join('\n')).toMatch(/VOLTZ_URL is required/);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example', VOLTZ_ADMIN_KEY: 'k' })).toEqual([
      'BOT_API_KEYS is required when VOLTZ_URL is set (real money moves)',
      'ADMIN_API_KEYS is required when VOLTZ_URL is set (real money moves)',
    ]);
    expect(problemsOf({ BOT_WEBHOOK_URL: 'https://bot.example' }).join('\n')).toMatch(/BOT_WEBHOOK_SECRET is required/);
    expect(problemsOf({ BOT_WEBHOOK_URL: 'https://bot.example', BOT_WEBHOOK_SECRET: 'short' }).join('\n')).toMatch(/at least 16/);
  });

  it('refuses a VOLTZ_URL that includes /api/v1 or a trailing slash', () => {
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example/api/v1', VOLTZ_ADMIN_KEY: 'k', BOT_API_KEYS: 'b', ADMIN_API_KEYS: 'a' })).toHaveLength(1);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example/', VOLTZ_ADMIN_KEY: 'k', BOT_API_KEYS: 'b', ADMIN_API_KEYS: 'a' })).toHaveLength(1);
  });

  it('accepts five-field and six-field crons', () => {
    expect(loadConfig({ FALLBACK_CRON: '*/5 * * * *' }).fallbackCron).toBe('*/5 * * * *');
    expect(loadConfig({ FALLBACK_CRON: '*/10 * * * * *' }).fallbackCron).toBe('*/10 * * * * *');
    expect(problemsOf({ FALLBACK_CRON: '* * * * * * *' })).toHaveLength(1);
  });

  it('never echoes a secret in a problem', () => {
    const problems = problemsOf({ VOLTZ_URL: 'https://voltz.example', VOLTZ_ADMIN_KEY: 'has space-secret', BOT_WEBHOOK_URL: 'https://b.example', BOT_WEBHOOK_SECRET: 'tiny-secret' });
    expect(problems.join('\n')).not.toMatch(/space-secret|tiny-secret/);
  });
});
