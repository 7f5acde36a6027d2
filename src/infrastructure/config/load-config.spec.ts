import { InvalidConfigurationError, SANDBOX_API_KEYS, loadConfig } from './load-config';
import { payoutSettingsFrom } from './payout-settings.factory';

/** Keys long enough for real mode (VOLTZ_URL set). */
const B1 = 'b1-0123456789abcdefghijklmn';
const A1 = 'a1-0123456789abcdefghijklmn';
const SHARED = 'shared-0123456789abcdefghijklmn';
const M1 = 'm1-0123456789abcdefghijklmn';

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
  it('applies the documented defaults: sandbox, SQLite under ./data, every default value', () => {
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
      reconcileCron: '17 * * * *',
      digestCron: '0 * * * *',
      escalateAfterAttempts: 10,
      webhook: null,
      lnurlTimeoutMs: 10000,
      minInvoiceValiditySeconds: 60,
    });
    expect(config.lnurlHostOverrides.size).toBe(0);
  });

  it('reads the Voltz monitor settings: probe every 30 s, breaker after 5 unknown POSTs by default, bounded', () => {
    expect(loadConfig({})).toMatchObject({ voltzProbeIntervalMs: 30000, voltzBreakerThreshold: 5 });
    expect(loadConfig({ VOLTZ_PROBE_INTERVAL_MS: '100', VOLTZ_BREAKER_THRESHOLD: '1' })).toMatchObject({
      voltzProbeIntervalMs: 100,
      voltzBreakerThreshold: 1,
    });
    const problems = problemsOf({ VOLTZ_PROBE_INTERVAL_MS: '99', VOLTZ_BREAKER_THRESHOLD: '0' });
    expect(problems).toEqual([
      expect.stringMatching(/^VOLTZ_PROBE_INTERVAL_MS must not be less than 100/),
      expect.stringMatching(/^VOLTZ_BREAKER_THRESHOLD must not be less than 1/),
    ]);
  });

  it('reads WALLET_LOW_BALANCE_SATS: 100,000 sats by default, 0 allowed, never negative', () => {
    expect(loadConfig({}).walletLowBalanceSats).toBe(100_000);
    expect(loadConfig({ WALLET_LOW_BALANCE_SATS: '0' }).walletLowBalanceSats).toBe(0);
    expect(problemsOf({ WALLET_LOW_BALANCE_SATS: '-1' })).toEqual([
      expect.stringMatching(/^WALLET_LOW_BALANCE_SATS must not be less than 0/),
    ]);
    expect(problemsOf({ WALLET_LOW_BALANCE_SATS: '1.5' })).toEqual([expect.stringMatching(/^WALLET_LOW_BALANCE_SATS must be an integer/)]);
  });

  it('gives sandbox mode well-known keys only when no key list is set', () => {
    expect(loadConfig({}).apiKeys).toEqual({
      bot: [SANDBOX_API_KEYS.bot],
      admin: [SANDBOX_API_KEYS.admin],
      auditor: [SANDBOX_API_KEYS.auditor],
      metrics: [],
    });
    expect(loadConfig({ BOT_API_KEYS: 'a,b' }).apiKeys).toEqual({ bot: ['a', 'b'], admin: [], auditor: [], metrics: [] });
    expect(loadConfig({ METRICS_API_KEYS: 'm1,m2' }).apiKeys.metrics).toEqual(['m1', 'm2']);
    expect(loadConfig({}).metricsEnabled).toBe(true);
    expect(loadConfig({ METRICS_ENABLED: 'false' }).metricsEnabled).toBe(false);
    expect(problemsOf({ METRICS_ENABLED: 'no' }).join('\n')).toMatch(/METRICS_ENABLED/);
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
      BOT_API_KEYS: B1,
      ADMIN_API_KEYS: `${A1},${SHARED}`,
      AUDITOR_API_KEYS: SHARED,
      METRICS_API_KEYS: M1,
      MIN_INVOICE_VALIDITY_S: '300',
    });
    expect(config).toMatchObject({
      port: 8080,
      minInvoiceValiditySeconds: 300,
      eventStore: { kind: 'esdb', connectionString: 'esdb://localhost:2113?tls=false' },
      voltz: { url: 'https://voltz.example', adminKey: 'k' },
      network: 'signet',
      fallbackCron: '*/30 * * * * *',
      webhook: { url: 'https://bot.example/hooks', secret: 'a-secret-of-enough-length' },
      apiKeys: { bot: [B1], admin: [A1, SHARED], auditor: [SHARED], metrics: [M1] },
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
    for (const name of [
      'PORT',
      'EVENT_STORE',
      'LIGHTNING_NETWORK',
      'MAX_PAYOUT_SATS',
      'FALLBACK_CRON',
      'PAYMENT_RETRY_ATTEMPTS',
      'LNURL_HOST_OVERRIDES',
    ]) {
      expect(problems.filter((p) => p.includes(name))).toHaveLength(1);
    }
    expect(problems).toHaveLength(7);
  });

  it('requires the pieces that go together', () => {
    expect(problemsOf({ EVENT_STORE: 'esdb' }).join('\n')).toMatch(/EVENTSTORE_CONNECTION_STRING/);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example', BOT_API_KEYS: B1, ADMIN_API_KEYS: A1 }).join('\n')).toMatch(
      /VOLTZ_ADMIN_KEY is required/,
    );
    expect(problemsOf({ VOLTZ_ADMIN_KEY: 'k' }).join('\n')).toMatch(/VOLTZ_URL is required/);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example', VOLTZ_ADMIN_KEY: 'k' })).toEqual([
      'BOT_API_KEYS is required when VOLTZ_URL is set (real money moves)',
      'ADMIN_API_KEYS is required when VOLTZ_URL is set (real money moves)',
    ]);
    expect(problemsOf({ BOT_WEBHOOK_URL: 'https://bot.example' }).join('\n')).toMatch(/BOT_WEBHOOK_SECRET is required/);
    expect(problemsOf({ BOT_WEBHOOK_URL: 'https://bot.example', BOT_WEBHOOK_SECRET: 'short' }).join('\n')).toMatch(/at least 16/);
  });

  it('refuses a VOLTZ_URL that includes /api/v1 or a trailing slash', () => {
    expect(
      problemsOf({ VOLTZ_URL: 'https://voltz.example/api/v1', VOLTZ_ADMIN_KEY: 'k', BOT_API_KEYS: B1, ADMIN_API_KEYS: A1 }),
    ).toHaveLength(1);
    expect(problemsOf({ VOLTZ_URL: 'https://voltz.example/', VOLTZ_ADMIN_KEY: 'k', BOT_API_KEYS: B1, ADMIN_API_KEYS: A1 })).toHaveLength(1);
  });

  it('MIN_INVOICE_VALIDITY_S is a whole number of seconds from 1 to 86400, and feeds the payout settings', () => {
    expect(loadConfig({ MIN_INVOICE_VALIDITY_S: '1' }).minInvoiceValiditySeconds).toBe(1);
    expect(payoutSettingsFrom(loadConfig({ MIN_INVOICE_VALIDITY_S: '86400' })).minInvoiceValiditySeconds).toBe(86400);
    for (const bad of ['0', '-5', '86401', '1.5', '60s']) {
      expect(problemsOf({ MIN_INVOICE_VALIDITY_S: bad })).toEqual([expect.stringContaining('MIN_INVOICE_VALIDITY_S')]);
    }
  });

  it('PAYMENT_NOT_FOUND_GRACE_MS must be positive and at least VOLTZ_TIMEOUT_MS', () => {
    expect(problemsOf({ PAYMENT_NOT_FOUND_GRACE_MS: '0', VOLTZ_TIMEOUT_MS: '100' })).toEqual([
      expect.stringContaining('PAYMENT_NOT_FOUND_GRACE_MS'),
    ]);
    expect(problemsOf({ PAYMENT_NOT_FOUND_GRACE_MS: '4999', VOLTZ_TIMEOUT_MS: '5000' })).toEqual([
      'PAYMENT_NOT_FOUND_GRACE_MS (4999) must be at least VOLTZ_TIMEOUT_MS (5000)',
    ]);
    // The default grace (120000) against a longer timeout: the pair is judged, not each value alone.
    expect(problemsOf({ VOLTZ_TIMEOUT_MS: '300000' })).toEqual([
      'PAYMENT_NOT_FOUND_GRACE_MS (120000) must be at least VOLTZ_TIMEOUT_MS (300000)',
    ]);
    expect(loadConfig({ PAYMENT_NOT_FOUND_GRACE_MS: '5000', VOLTZ_TIMEOUT_MS: '5000' }).paymentNotFoundGraceMs).toBe(5000);
    // A bad timeout is reported once, not again as a comparison.
    expect(problemsOf({ PAYMENT_NOT_FOUND_GRACE_MS: '200', VOLTZ_TIMEOUT_MS: 'soon' })).toEqual([
      expect.stringContaining('VOLTZ_TIMEOUT_MS must be an integer'),
    ]);
  });

  it('in real mode refuses keys shorter than 24 characters and the public sandbox keys, counting and never quoting them', () => {
    const real = { VOLTZ_URL: 'https://voltz.example', VOLTZ_ADMIN_KEY: 'k' };
    expect(
      problemsOf({ ...real, BOT_API_KEYS: `${B1},x`, ADMIN_API_KEYS: 'a'.repeat(23), AUDITOR_API_KEYS: SANDBOX_API_KEYS.auditor }),
    ).toEqual([
      'BOT_API_KEYS: 1 key(s) shorter than 24 characters (VOLTZ_URL is set: real money moves)',
      'ADMIN_API_KEYS: 1 key(s) shorter than 24 characters (VOLTZ_URL is set: real money moves)',
      'AUDITOR_API_KEYS lists a public sandbox key, refused when VOLTZ_URL is set',
    ]);
    expect(problemsOf({ ...real, BOT_API_KEYS: SANDBOX_API_KEYS.bot, ADMIN_API_KEYS: A1 })).toEqual([
      'BOT_API_KEYS lists a public sandbox key, refused when VOLTZ_URL is set',
    ]);
    expect(loadConfig({ ...real, BOT_API_KEYS: B1, ADMIN_API_KEYS: 'a'.repeat(24) }).apiKeys.admin).toEqual(['a'.repeat(24)]);
    // Sandbox mode keeps short keys: nothing real can be paid there.
    expect(loadConfig({ BOT_API_KEYS: 'b' }).apiKeys.bot).toEqual(['b']);
  });

  it('RESERVATION_TAKEOVER_MS: 30 s by default, at least 10 s (above the longest wait of a request on the store); AUTH_FAILURES_PER_MINUTE: 20', () => {
    expect(loadConfig({}).reservationTakeoverMs).toBe(30_000);
    expect(payoutSettingsFrom(loadConfig({ RESERVATION_TAKEOVER_MS: '10000' })).reservationTakeoverMs).toBe(10_000);
    expect(problemsOf({ RESERVATION_TAKEOVER_MS: '9999' })).toEqual([
      expect.stringMatching(/^RESERVATION_TAKEOVER_MS must not be less than 10000/),
    ]);
    expect(loadConfig({}).authFailuresPerMinute).toBe(20);
    expect(problemsOf({ AUTH_FAILURES_PER_MINUTE: '0' })).toEqual([
      expect.stringMatching(/^AUTH_FAILURES_PER_MINUTE must not be less than 1/),
    ]);
  });

  it('refuses a cron that never fires, and a HOST that is not an IP address', () => {
    expect(problemsOf({ FALLBACK_CRON: '0 0 31 2 *' })).toEqual([expect.stringMatching(/^FALLBACK_CRON must be .* fires at least once/)]);
    expect(problemsOf({ DIGEST_CRON: '0 0 30 2 *' })).toEqual([expect.stringContaining('DIGEST_CRON')]);
    expect(loadConfig({ RECONCILE_CRON: '0 0 29 2 *' }).reconcileCron).toBe('0 0 29 2 *');
    for (const bad of ['999.1.1.1', '1.2.3', ':::::', 'example.com', '::g']) {
      expect(problemsOf({ HOST: bad })).toEqual(['HOST must be an IP address or localhost']);
    }
    for (const good of ['127.0.0.1', '::1', '0.0.0.0', 'localhost']) expect(loadConfig({ HOST: good }).host).toBe(good);
  });

  it('accepts five-field and six-field crons', () => {
    expect(loadConfig({ FALLBACK_CRON: '*/5 * * * *' }).fallbackCron).toBe('*/5 * * * *');
    expect(loadConfig({ FALLBACK_CRON: '*/10 * * * * *' }).fallbackCron).toBe('*/10 * * * * *');
    expect(problemsOf({ FALLBACK_CRON: '* * * * * * *' })).toHaveLength(1);
    expect(loadConfig({ DIGEST_CRON: '*/10 * * * * *' }).digestCron).toBe('*/10 * * * * *');
    expect(problemsOf({ DIGEST_CRON: 'hourly' })).toEqual([expect.stringContaining('DIGEST_CRON')]);
  });

  it('validates RECONCILE_CRON like FALLBACK_CRON', () => {
    expect(loadConfig({ RECONCILE_CRON: '*/10 * * * * *' }).reconcileCron).toBe('*/10 * * * * *');
    expect(problemsOf({ RECONCILE_CRON: 'hourly' })).toEqual([expect.stringContaining('RECONCILE_CRON')]);
  });

  describe('EVENTSTORE_CONNECTION_STRING', () => {
    const esdb = (connectionString: string) => ({ EVENT_STORE: 'esdb', EVENTSTORE_CONNECTION_STRING: connectionString });

    it('accepts what the EventStoreDB client accepts: credentials, several hosts, discovery, options', () => {
      for (const connectionString of [
        'esdb://localhost:2113?tls=false',
        'esdb://ledger:s3cret@db1:2113,db2:2113,db3:2113?nodePreference=leader&defaultDeadline=5000',
        'esdb+discover://cluster.internal:2113?tls=true&throwOnAppendFailure=true',
      ]) {
        expect(loadConfig(esdb(connectionString)).eventStore).toEqual({ kind: 'esdb', connectionString });
      }
    });

    it.each([
      ['another scheme', 'postgres://ledger:s3cret-password@db:5432', /expected esdb:\/\/ or esdb\+discover:\/\//],
      ['a port that is not a number', 'esdb://ledger:s3cret-password@db:port?tls=false', /expected port number/],
      ['a password without a host', 'esdb://ledger:s3cret-password', /expected port number/],
      ['a flag that is not a boolean', 'esdb://ledger:s3cret-password@db:2113?tls=s3cret-password', /expected true or false/],
      [
        'an option the client would ignore',
        'esdb://db:2113?tls=false&username=ledger&password=s3cret-password',
        /Unknown option key "username"/,
      ],
    ])('refuses %s in one line that quotes no part of the string', (_, connectionString, reason) => {
      const problems = problemsOf(esdb(connectionString));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^EVENTSTORE_CONNECTION_STRING/);
      expect(problems[0]).toMatch(reason);
      expect(problems[0]).not.toContain('\n');
      expect(problems[0]).not.toContain('s3cret-password');
    });

    it('prints nothing while parsing, since the client echoes the whole string in its warnings', () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        problemsOf(esdb('esdb://ledger:s3cret-password@db:2113?tlsVerifyCert=false&unknown=1'));
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
    });

    it('names a missing certificate file, still without quoting the string', () => {
      const problems = problemsOf(esdb('esdb://ledger:s3cret-password@db:2113?tlsCAFile=/nonexistent/ca.pem'));
      expect(problems).toEqual([
        `EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string: Failed to load certificate file. File was not found.`,
      ]);
    });

    it('refuses throwOnAppendFailure=false: concurrency conflicts must be thrown', () => {
      expect(problemsOf(esdb('esdb://db:2113?tls=false&throwOnAppendFailure=false'))).toEqual([
        expect.stringMatching(/^EVENTSTORE_CONNECTION_STRING must not set throwOnAppendFailure=false/),
      ]);
    });

    it('is checked when set even with the SQLite store, and required with EventStoreDB', () => {
      expect(problemsOf({ EVENTSTORE_CONNECTION_STRING: 'esdb://db:x' })).toHaveLength(1);
      expect(problemsOf({ EVENT_STORE: 'esdb' })).toEqual([
        expect.stringMatching(/^EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=esdb/),
      ]);
    });
  });

  it('never echoes a secret in a problem', () => {
    const problems = problemsOf({
      VOLTZ_URL: 'https://voltz.example',
      VOLTZ_ADMIN_KEY: 'has space-secret',
      BOT_WEBHOOK_URL: 'https://b.example',
      BOT_WEBHOOK_SECRET: 'tiny-secret',
    });
    expect(problems.join('\n')).not.toMatch(/space-secret|tiny-secret/);
  });
});
