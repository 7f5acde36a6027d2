/**
 * Exponential backoff with "full jitter" over the upper half: base * 2^(try-1),
 * scaled into [50%, 100%], so retries of many orders spread out instead of
 * hitting Voltz in waves.
 */
export function backoffDelayMs(baseMs: number, tryNumber: number, random: number): number {
  const ceiling = baseMs * 2 ** (tryNumber - 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
