import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const MIN15 = 15 * 60_000;

  it('doubles from the base: 1 s, 2 s, 4 s ... at the top of the jitter', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 1000, MIN15, 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('jitters into [50%, 100%] of the ceiling', () => {
    expect(backoffDelayMs(3, 1000, MIN15, 0)).toBe(2000);
    expect(backoffDelayMs(3, 1000, MIN15, 0.5)).toBe(3000);
  });

  it('is capped at the maximum delay, however many attempts failed', () => {
    expect(backoffDelayMs(11, 1000, MIN15, 1)).toBe(MIN15);
    expect(backoffDelayMs(10_000, 1000, MIN15, 1)).toBe(MIN15);
  });

  it('keeps retrying for 24 hours in about a hundred attempts with the defaults', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600_000) elapsed += backoffDelayMs(++attempts, 1000, MIN15, 1);
    expect(attempts).toBeGreaterThan(90);
    expect(attempts).toBeLessThan(110);
  });

  it('has no cap when the maximum is infinite (the payout processor bounds its tries instead)', () => {
    expect(backoffDelayMs(12, 1000, Number.POSITIVE_INFINITY, 1)).toBe(2048 * 1000);
  });

  it('refuses a non-positive attempt count', () => {
    expect(() => backoffDelayMs(0, 1000, MIN15, 0)).toThrow(RangeError);
  });
});
