import { SlidingWindowThrottlerStorage } from './sliding-window-throttler.storage';

const TTL = 60_000;

function storageAt(start: number) {
  let now = start;
  const storage = new SlidingWindowThrottlerStorage({ now: () => new Date(now) });
  return {
    storage,
    advance: (ms: number) => (now += ms),
    hit: (key = 'k', limit = 3) => storage.increment(key, TTL, limit, TTL, 'default'),
  };
}

describe('SlidingWindowThrottlerStorage', () => {
  it('counts hits up to the limit, then blocks the key for blockDuration with the seconds left', async () => {
    const { hit, advance } = storageAt(1_000_000);
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    advance(10_000);
    await hit();
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false, timeToExpire: 50 });
    expect(await hit()).toEqual({ totalHits: 4, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 60 });
    advance(30_500);
    // Blocked hits are not counted: the count stays, the block runs out.
    expect(await hit()).toEqual({ totalHits: 4, timeToExpire: 20, isBlocked: true, timeToBlockExpire: 30 });
  });

  it('lets a hit expire ttl after it was made (a sliding window, not a fixed one)', async () => {
    const { hit, advance } = storageAt(0);
    await hit();
    advance(40_000);
    await hit();
    await hit();
    advance(20_000); // the first hit has just expired
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false, timeToExpire: 40 });
  });

  it('starts a key afresh once its block is over', async () => {
    const { hit, advance } = storageAt(0);
    for (let i = 0; i < 4; i++) await hit();
    advance(TTL);
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('counts keys and throttlers apart', async () => {
    const { storage, hit } = storageAt(0);
    for (let i = 0; i < 4; i++) await hit('a');
    expect(await hit('b')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('a', TTL, 3, TTL, 'other')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps counting right across compactions of a long window', async () => {
    const { hit, advance } = storageAt(0);
    const limit = 5_000;
    for (let i = 0; i < 4_000; i++) {
      await hit('k', limit);
      advance(30); // 2,000 hits per minute live at any time once warm
    }
    expect(await hit('k', limit)).toMatchObject({ totalHits: 2_000, isBlocked: false });
  });
});
