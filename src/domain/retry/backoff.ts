/**
 * Delay before the next attempt after `failedAttempts` failures (1 = the first
 * attempt failed): base * 2^(n-1), capped, then jittered into [50%, 100%] of
 * that ceiling so many callers failing together do not retry in waves.
 * `random` is uniform in [0, 1], injected so a test can pin the jitter.
 */
export function backoffDelayMs(failedAttempts: number, baseMs: number, maxDelayMs: number, random: number): number {
  if (!Number.isSafeInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be a positive integer, got ${failedAttempts}`);
  }
  // 2^n grows past any cap long before it overflows: stop doubling at the cap.
  const exponent = Math.min(failedAttempts - 1, 52);
  const ceiling = Math.min(baseMs * 2 ** exponent, maxDelayMs);
  const unit = Math.min(Math.max(random, 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}
