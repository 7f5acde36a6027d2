import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppConfig } from './app-config';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables, NUMERIC_VARIABLES } from './environment-variables';
import { parseHostOverrides } from '../lnurl/parse-host-overrides';
import { readSecretFiles } from './secret-files';

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigurationError';
  }
}

const INTEGER = /^-?\d+$/;

/** With VOLTZ_URL set, every API key has at least this many characters. */
const MIN_REAL_KEY_LENGTH = 24;

/** Public, documented keys for sandbox mode only; never accepted when VOLTZ_URL is set. */
export const SANDBOX_API_KEYS = { bot: 'sandbox-bot-key', admin: 'sandbox-admin-key', auditor: 'sandbox-auditor-key' } as const;

/**
 * Reads the variables of README's configuration table; every problem becomes one line, and any problem stops start-up.
 * `apiKeys: 'optional'` is for the ledger CLI, which serves no HTTP and so needs no API key even when real money moves.
 */
export function loadConfig(given: NodeJS.ProcessEnv, options: { apiKeys: 'required' | 'optional' } = { apiKeys: 'required' }): AppConfig {
  const raw: Record<string, unknown> = {};
  const { env, problems } = readSecretFiles(given);
  for (const key of ENVIRONMENT_VARIABLE_NAMES) {
    const value = env[key];
    if (value === undefined || value.trim() === '') continue;
    if ((NUMERIC_VARIABLES as string[]).includes(key)) {
      if (!INTEGER.test(value.trim())) problems.push(`${key} must be an integer (got "${value}")`);
      else raw[key] = Number(value.trim());
    } else {
      raw[key] = value.trim();
    }
  }
  const vars = plainToInstance(EnvironmentVariables, raw);
  const failed = new Set(problems.map((p) => p.split(' ')[0]));
  for (const error of validateSync(vars, { forbidUnknownValues: false })) {
    // Messages name the variable and never echo a value that could be a secret.
    if (!failed.has(error.property)) problems.push(...Object.values(error.constraints ?? {}));
    failed.add(error.property);
  }
  // A pair is compared only when each value is valid alone: one problem, one line.
  if (
    !failed.has('PAYMENT_NOT_FOUND_GRACE_MS') &&
    !failed.has('VOLTZ_TIMEOUT_MS') &&
    vars.PAYMENT_NOT_FOUND_GRACE_MS < vars.VOLTZ_TIMEOUT_MS
  ) {
    // A status check may start while the payment's own POST is still in flight at Voltz.
    problems.push(
      `PAYMENT_NOT_FOUND_GRACE_MS (${vars.PAYMENT_NOT_FOUND_GRACE_MS}) must be at least VOLTZ_TIMEOUT_MS (${vars.VOLTZ_TIMEOUT_MS})`,
    );
  }
  if (vars.BOT_WEBHOOK_SECRET !== undefined && vars.BOT_WEBHOOK_URL === undefined) {
    problems.push('BOT_WEBHOOK_URL is required when BOT_WEBHOOK_SECRET is set');
  }
  if (vars.VOLTZ_ADMIN_KEY !== undefined && vars.VOLTZ_URL === undefined) {
    problems.push('VOLTZ_URL is required when VOLTZ_ADMIN_KEY is set (without both the service runs in sandbox mode)');
  }
  if (vars.VOLTZ_URL !== undefined && options.apiKeys === 'required') {
    for (const name of ['BOT_API_KEYS', 'ADMIN_API_KEYS'] as const) {
      if (vars[name] === undefined) problems.push(`${name} is required when VOLTZ_URL is set (real money moves)`);
    }
    problems.push(...realModeKeyProblems(vars));
  }
  const overrides = parseHostOverrides(vars.LNURL_HOST_OVERRIDES);
  if (!overrides.ok) problems.push(...overrides.errors);
  if (problems.length > 0 || !overrides.ok) throw new InvalidConfigurationError(problems);

  // Sandbox mode without keys gets well-known keys, so the README walk-through works on a fresh machine.
  const sandboxKeys = vars.VOLTZ_URL === undefined && !vars.BOT_API_KEYS && !vars.ADMIN_API_KEYS && !vars.AUDITOR_API_KEYS;
  const list = (value: string | undefined, sandboxKey: string): string[] => (value ? value.split(',') : sandboxKeys ? [sandboxKey] : []);
  return {
    port: vars.PORT,
    host: vars.HOST ?? null,
    dataDir: vars.DATA_DIR,
    eventStore: eventStoreConfig(vars),
    voltz: vars.VOLTZ_URL
      ? { url: vars.VOLTZ_URL, adminKey: vars.VOLTZ_ADMIN_KEY!, readKey: vars.VOLTZ_READ_KEY ?? vars.VOLTZ_ADMIN_KEY! }
      : null,
    voltzTimeoutMs: vars.VOLTZ_TIMEOUT_MS,
    network: vars.LIGHTNING_NETWORK,
    maxPayoutSats: vars.MAX_PAYOUT_SATS,
    paymentRetryAttempts: vars.PAYMENT_RETRY_ATTEMPTS,
    paymentRetryBaseMs: vars.PAYMENT_RETRY_BASE_MS,
    paymentNotFoundGraceMs: vars.PAYMENT_NOT_FOUND_GRACE_MS,
    fallbackCron: vars.FALLBACK_CRON,
    reconcileCron: vars.RECONCILE_CRON,
    digestCron: vars.DIGEST_CRON,
    escalateAfterAttempts: vars.ESCALATE_AFTER_ATTEMPTS,
    sentInvoiceSlackMs: vars.SENT_INVOICE_EXPIRY_SLACK_MS,
    webhook: vars.BOT_WEBHOOK_URL ? { url: vars.BOT_WEBHOOK_URL, secret: vars.BOT_WEBHOOK_SECRET! } : null,
    lnurlTimeoutMs: vars.LNURL_TIMEOUT_MS,
    minInvoiceValiditySeconds: vars.MIN_INVOICE_VALIDITY_S,
    lnurlHostOverrides: overrides.overrides,
    apiKeys: {
      bot: list(vars.BOT_API_KEYS, SANDBOX_API_KEYS.bot),
      admin: list(vars.ADMIN_API_KEYS, SANDBOX_API_KEYS.admin),
      auditor: list(vars.AUDITOR_API_KEYS, SANDBOX_API_KEYS.auditor),
      // No sandbox default: scrapers get a key of their own, or scrape with an admin key.
      metrics: vars.METRICS_API_KEYS ? vars.METRICS_API_KEYS.split(',') : [],
    },
    metricsEnabled: vars.METRICS_ENABLED === 'true',
    sandboxApiKeys: sandboxKeys,
    voltzProbeIntervalMs: vars.VOLTZ_PROBE_INTERVAL_MS,
    voltzBreakerThreshold: vars.VOLTZ_BREAKER_THRESHOLD,
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: vars.AUTH_FAILURES_PER_MINUTE,
    reservationTakeoverMs: vars.RESERVATION_TAKEOVER_MS,
    logLevel: vars.LOG_LEVEL,
    walletLowBalanceSats: vars.WALLET_LOW_BALANCE_SATS,
  };
}

/** Real money moves with VOLTZ_URL: a key must resist guessing and never be one of the published sandbox keys. */
function realModeKeyProblems(vars: EnvironmentVariables): string[] {
  const sandboxKeys = new Set<string>(Object.values(SANDBOX_API_KEYS));
  const problems: string[] = [];
  for (const name of ['BOT_API_KEYS', 'ADMIN_API_KEYS', 'AUDITOR_API_KEYS', 'METRICS_API_KEYS'] as const) {
    const keys = vars[name]?.split(',') ?? [];
    // The messages count and never quote: a key is a secret even when it is a bad one.
    const short = keys.filter((key) => !sandboxKeys.has(key) && key.length < MIN_REAL_KEY_LENGTH).length;
    if (short > 0)
      problems.push(`${name}: ${short} key(s) shorter than ${MIN_REAL_KEY_LENGTH} characters (VOLTZ_URL is set: real money moves)`);
    if (keys.some((key) => sandboxKeys.has(key))) problems.push(`${name} lists a public sandbox key, refused when VOLTZ_URL is set`);
  }
  return problems;
}

function eventStoreConfig(vars: EnvironmentVariables): AppConfig['eventStore'] {
  switch (vars.EVENT_STORE) {
    case 'esdb':
      return { kind: 'esdb', connectionString: vars.EVENTSTORE_CONNECTION_STRING! };
    case 'postgres':
      return { kind: 'postgres', url: vars.DATABASE_URL!, poolSize: vars.DATABASE_POOL_SIZE };
    default:
      return { kind: 'sqlite' };
  }
}
