import { webhookRetryDelayMs } from './webhook-backoff';

describe('webhookRetryDelayMs', () => {
  const MIN15 = 15 * 60_000;

  it('doubles from the base: 1 s, 2 s, 4 s ... at the top of the jitter', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 1000, MIN15, 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('jitters into [50%, 100%] of the ceiling', () => {
    expect(webhookRetryDelayMs(3, 1000, MIN15, 0)).toBe(2000);
    expect(webhookRetryDelayMs(3, 1000, MIN15, 0.5)).toBe(3000);
  });

  it('is capped at the maximum delay, however many attempts failed', () => {
    expect(webhookRetryDelayMs(11, 1000, MIN15, 1)).toBe(MIN15);
    expect(webhookRetryDelayMs(10_000, 1000, MIN15, 1)).toBe(MIN15);
  });

  it('keeps retrying for 24 hours in about a hundred attempts with the defaults', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600_000) elapsed += webhookRetryDelayMs(++attempts, 1000, MIN15, 1);
    expect(attempts).toBeGreaterThan(90);
    expect(attempts).toBeLessThan(110);
  });

  it('refuses a non-positive attempt count', () => {
    expect(() => webhookRetryDelayMs(0, 1000, MIN15, 0)).toThrow(RangeError);
  });
});
