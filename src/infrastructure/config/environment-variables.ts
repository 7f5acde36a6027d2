import { DEFAULT_PAYOUT_RULES } from '../../domain/payout/payout-decider';
import { CronTime } from 'cron';
import { isIP } from 'node:net';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';
import { LIGHTNING_NETWORKS, LightningNetwork } from '../../domain/destination/lightning-network';
import { esdbConnectionStringProblems } from '../event-store/esdb-connection-string';
import { LOG_LEVELS, LogLevel } from '../logging/log-level';

/** Six-field crons (seconds first) are accepted as well as the classic five; a cron must fire at least once. */
function IsCron(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCron',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          const fields = value.trim().split(/\s+/).length;
          if (fields !== 5 && fields !== 6) return false;
          try {
            // sendAt throws for a schedule that never fires (30 February): the scheduler would throw at start-up.
            new CronTime(value).sendAt();
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a cron expression with five fields, or six with seconds first, that fires at least once (got "${String(args?.value)}")`,
      },
    });
}

/** postgres:// or postgresql:// with a host and a database; the message never quotes the URL (it holds a password). */
function IsPostgresUrl(): PropertyDecorator {
  const valid = (value: unknown): boolean => {
    if (typeof value !== 'string') return false;
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPostgresUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: valid,
        defaultMessage: (args?: ValidationArguments) =>
          args?.value === undefined
            ? 'DATABASE_URL is required when EVENT_STORE=postgres (postgres://user:password@host:5432/database)'
            : 'DATABASE_URL must be postgres://user:password@host:port/database (a host and a database name)',
      },
    });
}

/** Checked by the EventStoreDB client's own parser; the messages never quote the string (it may hold a password). */
function IsEsdbConnectionString(): PropertyDecorator {
  const problemsOf = (value: unknown): string[] =>
    typeof value === 'string'
      ? esdbConnectionStringProblems(value)
      : ['EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=esdb (an esdb:// or esdb+discover:// connection string)'];
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEsdbConnectionString',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => problemsOf(value).length === 0,
        defaultMessage: (args?: ValidationArguments) => problemsOf(args?.value).join('; '),
      },
    });
}

/** An IPv4 or IPv6 address, or localhost: anything else would fail only when the server binds. */
function IsHost(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHost',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (isIP(value) !== 0 || value === 'localhost'),
        defaultMessage: () => 'HOST must be an IP address or localhost',
      },
    });
}

const API_KEY_LIST = /^[^\s,]+(,[^\s,]+)*$/;
const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * The raw environment, validated with class-validator (README's configuration table). Numbers
 * arrive as strings and are converted before validation by `loadConfig`.
 */
export class EnvironmentVariables {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Unset = every interface; tests and sidecars bind 127.0.0.1. */
  @IsOptional()
  @IsHost()
  HOST?: string;

  @IsString()
  DATA_DIR = './data';

  @IsIn(['sqlite', 'postgres', 'esdb'], { message: 'EVENT_STORE must be one of: sqlite, postgres, esdb' })
  EVENT_STORE = 'sqlite';

  @ValidateIf((env: EnvironmentVariables) => env.EVENT_STORE === 'postgres' || env.DATABASE_URL !== undefined)
  @IsPostgresUrl()
  DATABASE_URL?: string;

  @IsInt()
  @Min(2)
  @Max(1000)
  DATABASE_POOL_SIZE = 10;

  @ValidateIf((env: EnvironmentVariables) => env.EVENT_STORE === 'esdb' || env.EVENTSTORE_CONNECTION_STRING !== undefined)
  @IsEsdbConnectionString()
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsUrl(urlOptions, { message: 'VOLTZ_URL must be an http(s) URL' })
  @Matches(/^(?!.*\/api\/v1\/?$).*[^/]$/, { message: 'VOLTZ_URL must be the LNbits base URL, without a trailing "/" or "/api/v1"' })
  VOLTZ_URL?: string;

  @ValidateIf((env: EnvironmentVariables) => env.VOLTZ_URL !== undefined)
  @IsString({ message: 'VOLTZ_ADMIN_KEY is required when VOLTZ_URL is set' })
  @Matches(/^\S+$/, { message: 'VOLTZ_ADMIN_KEY must not contain spaces' })
  VOLTZ_ADMIN_KEY?: string;

  /** LNbits' invoice/read key: listing payments and creating the probe's invoice need no more. */
  @IsOptional()
  @Matches(/^\S+$/, { message: 'VOLTZ_READ_KEY must not contain spaces' })
  VOLTZ_READ_KEY?: string;

  @IsInt()
  @Min(100)
  @Max(600000)
  VOLTZ_TIMEOUT_MS = 30000;

  @IsIn(LIGHTNING_NETWORKS as LightningNetwork[])
  LIGHTNING_NETWORK: LightningNetwork = 'bitcoin';

  // msat = sats * 1000 must stay a safe integer.
  @IsInt()
  @Min(1)
  @Max(Math.floor(Number.MAX_SAFE_INTEGER / 1000))
  MAX_PAYOUT_SATS = 1_000_000;

  @IsInt()
  @Min(1)
  @Max(10)
  PAYMENT_RETRY_ATTEMPTS = 4;

  @IsInt()
  @Min(0)
  @Max(600000)
  PAYMENT_RETRY_BASE_MS = 1000;

  // Zero would read the 404 of a payment Voltz is still recording as "never happened"; at least
  // VOLTZ_TIMEOUT_MS is checked in loadConfig, as it depends on another variable.
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  PAYMENT_NOT_FOUND_GRACE_MS = DEFAULT_PAYOUT_RULES.paymentNotFoundGraceMs;

  @IsCron()
  FALLBACK_CRON = '*/5 * * * *';

  @IsCron()
  RECONCILE_CRON = '17 * * * *';

  @IsCron()
  DIGEST_CRON = '0 * * * *';

  @IsInt()
  @Min(1)
  @Max(1000)
  ESCALATE_AFTER_ATTEMPTS = 10;

  /** The minute of docs/architecture.md, rule 8; sandboxes and tests shorten it. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SENT_INVOICE_EXPIRY_SLACK_MS = DEFAULT_PAYOUT_RULES.sentInvoiceSlackMs;

  @IsOptional()
  @IsUrl(urlOptions, { message: 'BOT_WEBHOOK_URL must be an http(s) URL' })
  BOT_WEBHOOK_URL?: string;

  @ValidateIf((env: EnvironmentVariables) => env.BOT_WEBHOOK_URL !== undefined)
  @IsString({ message: 'BOT_WEBHOOK_SECRET is required when BOT_WEBHOOK_URL is set' })
  @Matches(/^.{16,}$/, { message: 'BOT_WEBHOOK_SECRET must be at least 16 characters' })
  BOT_WEBHOOK_SECRET?: string;

  @IsInt()
  @Min(100)
  @Max(120000)
  LNURL_TIMEOUT_MS = 10000;

  /** Parsed and checked by parseHostOverrides, which names each bad entry. */
  @IsOptional()
  @IsString()
  LNURL_HOST_OVERRIDES?: string;

  /** A BOLT11 from the bot must have at least this long left when it arrives (seconds). */
  @IsInt()
  @Min(1)
  @Max(86_400)
  MIN_INVOICE_VALIDITY_S = 60;

  @IsOptional()
  @Matches(API_KEY_LIST, { message: 'BOT_API_KEYS must be a comma-separated list of keys without spaces' })
  BOT_API_KEYS?: string;

  @IsOptional()
  @Matches(API_KEY_LIST, { message: 'ADMIN_API_KEYS must be a comma-separated list of keys without spaces' })
  ADMIN_API_KEYS?: string;

  @IsOptional()
  @Matches(API_KEY_LIST, { message: 'AUDITOR_API_KEYS must be a comma-separated list of keys without spaces' })
  AUDITOR_API_KEYS?: string;

  @IsOptional()
  @Matches(API_KEY_LIST, { message: 'METRICS_API_KEYS must be a comma-separated list of keys without spaces' })
  METRICS_API_KEYS?: string;

  /** `false` turns off the Prometheus collectors (the bench compares both). */
  @IsIn(['true', 'false'])
  METRICS_ENABLED: 'true' | 'false' = 'true';

  @IsInt()
  @Min(100)
  @Max(3_600_000)
  VOLTZ_PROBE_INTERVAL_MS = 30000;

  @IsInt()
  @Min(1)
  @Max(1000)
  VOLTZ_BREAKER_THRESHOLD = 5;

  /** Per API key; 0 turns the limit off. */
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RATE_LIMIT_PER_MINUTE = 60000;

  /**
   * A reservation is made and its order appended in one request; an append waits at most the store's busy timeout
   * (5 s), so at least 10 s means a request still under way is never taken over.
   */
  @IsInt()
  @Min(10_000)
  @Max(3_600_000)
  RESERVATION_TAKEOVER_MS = 30_000;

  /** Per client address: a key guesser gets 429 after this many 401s in a minute. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  AUTH_FAILURES_PER_MINUTE = 20;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  WALLET_LOW_BALANCE_SATS = 100_000;
}

export const NUMERIC_VARIABLES: ReadonlyArray<keyof EnvironmentVariables> = [
  'PORT',
  'VOLTZ_TIMEOUT_MS',
  'MAX_PAYOUT_SATS',
  'PAYMENT_RETRY_ATTEMPTS',
  'PAYMENT_RETRY_BASE_MS',
  'PAYMENT_NOT_FOUND_GRACE_MS',
  'ESCALATE_AFTER_ATTEMPTS',
  'LNURL_TIMEOUT_MS',
  'SENT_INVOICE_EXPIRY_SLACK_MS',
  'MIN_INVOICE_VALIDITY_S',
  'VOLTZ_PROBE_INTERVAL_MS',
  'VOLTZ_BREAKER_THRESHOLD',
  'RATE_LIMIT_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE',
  'RESERVATION_TAKEOVER_MS',
  'WALLET_LOW_BALANCE_SATS',
  'DATABASE_POOL_SIZE',
];

export const ENVIRONMENT_VARIABLE_NAMES: ReadonlyArray<keyof EnvironmentVariables> = [
  ...NUMERIC_VARIABLES,
  'HOST',
  'DATA_DIR',
  'EVENT_STORE',
  'EVENTSTORE_CONNECTION_STRING',
  'DATABASE_URL',
  'VOLTZ_URL',
  'VOLTZ_ADMIN_KEY',
  'VOLTZ_READ_KEY',
  'LIGHTNING_NETWORK',
  'FALLBACK_CRON',
  'RECONCILE_CRON',
  'DIGEST_CRON',
  'BOT_WEBHOOK_URL',
  'BOT_WEBHOOK_SECRET',
  'LNURL_HOST_OVERRIDES',
  'BOT_API_KEYS',
  'ADMIN_API_KEYS',
  'AUDITOR_API_KEYS',
  'LOG_LEVEL',
  'METRICS_API_KEYS',
  'METRICS_ENABLED',
];
