import { ThrottlerStorage } from '@nestjs/throttler';
import { Clock } from '../../../application/ports/clock.port';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** One key's hits under one throttler: their expiry times in arrival order (so the oldest is first), and its block. */
interface Window {
  expiries: number[];
  /** Index of the oldest live hit: pruning advances it instead of copying the array. */
  first: number;
  blockedUntil: number;
}

/** Compacting once the dead prefix is this long (and half the array) keeps memory at O(limit) for O(1) amortized work. */
const COMPACT_AFTER = 1024;

/**
 * The throttler's count of requests per key, with the semantics of
 * @nestjs/throttler's in-memory storage — each hit counts for `ttl` ms; the
 * request after the limit blocks the key for `blockDuration` ms, after which it
 * starts afresh — at O(1) amortized cost per request. The library's own
 * storage copies the whole hit list on every request: at the default limit
 * (60,000 a minute) and a few hundred requests a second that is tens of
 * thousands of entries per request, a measurable share of the service's CPU
 * (docs/performance.md, "What limits the figures").
 */
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  /** Keyed by throttler and API-key digest: only configured keys are counted, so the map stays as small as the key list. */
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    const window = this.windowOf(`${throttlerName}\u0000${key}`, now);
    if (window.blockedUntil === 0) {
      window.expiries.push(now + ttl);
      if (this.count(window) > limit) window.blockedUntil = now + blockDuration;
    }
    const oldest = window.expiries[window.first];
    return Promise.resolve({
      totalHits: this.count(window),
      timeToExpire: oldest === undefined ? 0 : Math.ceil((oldest - now) / 1000),
      isBlocked: window.blockedUntil !== 0,
      timeToBlockExpire: window.blockedUntil === 0 ? 0 : Math.ceil((window.blockedUntil - now) / 1000),
    });
  }

  /** The key's window with expired hits dropped and an elapsed block lifted (a key that was blocked starts from zero). */
  private windowOf(id: string, now: number): Window {
    let window = this.windows.get(id);
    if (window === undefined) {
      window = { expiries: [], first: 0, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil !== 0 && window.blockedUntil <= now) {
      window.expiries = [];
      window.first = 0;
      window.blockedUntil = 0;
    }
    const { expiries } = window;
    while (window.first < expiries.length && expiries[window.first] <= now) window.first++;
    if (window.first >= COMPACT_AFTER && window.first * 2 >= expiries.length) {
      window.expiries = expiries.slice(window.first);
      window.first = 0;
    }
    return window;
  }

  private count(window: Window): number {
    return window.expiries.length - window.first;
  }
}
