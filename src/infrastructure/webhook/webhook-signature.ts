import { createHmac } from 'crypto';

/** The header the bot verifies (docs/api.md, "Webhook to the bot"). */
export const SIGNATURE_HEADER = 'X-Signature';

/** hex HMAC-SHA256(secret, "<t>.<raw body>"): the `v1` part of the header. */
export function computeWebhookSignature(secret: string, timestampSeconds: number, rawBody: string | Buffer): string {
  assertTimestamp(timestampSeconds);
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}

/**
 * The X-Signature header value for one attempt: `t=<unix seconds>,v1=<hex>`.
 * The body must be the exact bytes sent (a string is sent and signed as UTF-8).
 */
export function signWebhookBody(secret: string, timestampSeconds: number, rawBody: string | Buffer): string {
  return `t=${timestampSeconds},v1=${computeWebhookSignature(secret, timestampSeconds, rawBody)}`;
}

/** Unix seconds of a date, as put in `t=`. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function assertTimestamp(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`A webhook timestamp is a non-negative integer number of seconds, got ${value}`);
  }
}
