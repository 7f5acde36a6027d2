import { AppConfig } from '../config/app-config';

/** Everything the notifier needs; null when BOT_WEBHOOK_URL is not set (notifications off). */
export interface WebhookOptions {
  url: string;
  /** BOT_WEBHOOK_SECRET: only ever used to sign, never logged. */
  secret: string;
  /** Per attempt, connect to end of response. */
  timeoutMs: number;
  /** First retry delay; doubles per failed attempt. */
  retryBaseMs: number;
  /** Cap of one retry delay. */
  retryMaxDelayMs: number;
  /** Retries stop once this long has passed since the first attempt (docs/api.md: at least 24 hours). */
  giveUpAfterMs: number;
  /** How long a claimed row stays reserved for this process; must outlast one attempt. */
  leaseMs: number;
  /** Deliveries in flight at once (never two of one order). */
  concurrency: number;
  /** Fallback wake-up: rows enqueued or released by another process sharing the file. */
  pollIntervalMs: number;
  /** How long shutdown waits for in-flight deliveries before aborting them. */
  shutdownGraceMs: number;
  /** Uniform in [0, 1): backoff jitter. */
  random: () => number;
}

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

const WEBHOOK_DEFAULTS = {
  timeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxDelayMs: 15 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
  concurrency: 16,
  pollIntervalMs: 5_000,
  shutdownGraceMs: 5_000,
} as const;

/** A lease outlives one attempt (its timeout) by this margin: time to record the outcome. */
const LEASE_MARGIN_MS = 30_000;

export function webhookOptionsFrom(
  config: AppConfig,
  random: () => number = Math.random,
  overrides: Partial<WebhookOptions> = {},
): WebhookOptions | null {
  if (config.webhook === null) return null;
  const timeoutMs = overrides.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  return {
    url: config.webhook.url,
    secret: config.webhook.secret,
    ...WEBHOOK_DEFAULTS,
    leaseMs: timeoutMs + LEASE_MARGIN_MS,
    random,
    ...overrides,
  };
}

/** Where notifications go, for logs: scheme, host and port only (a path or query may carry a token). */
export function describeWebhookTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
