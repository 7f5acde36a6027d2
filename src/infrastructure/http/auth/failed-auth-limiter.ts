import { Clock } from '../../../application/ports/clock.port';

const WINDOW_MS = 60_000;

/** Addresses beyond this many are pruned of elapsed windows, so a scan from many addresses cannot grow the map without bound. */
const PRUNE_ABOVE = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

export type FailedAuthVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * Counts failed authentications per client address in one-minute windows.
 * Once an address has failed `limit` times in its window, it is refused until
 * the window ends: the key is not even checked, so a guesser learns nothing
 * from the answers meanwhile.
 */
export class FailedAuthLimiter {
  private readonly windows = new Map<string, Window & { refused: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
  ) {}

  /** Whether this address is refused now; `firstRefusal` is true once per window, for the one log line. */
  check(address: string): FailedAuthVerdict {
    const now = this.clock.now().getTime();
    const window = this.windows.get(address);
    if (window === undefined || now - window.startedAt >= WINDOW_MS || window.failures < this.limit) return { blocked: false };
    const firstRefusal = !window.refused;
    window.refused = true;
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000)), firstRefusal };
  }

  recordFailure(address: string): void {
    const now = this.clock.now().getTime();
    const window = this.windows.get(address);
    if (window !== undefined && now - window.startedAt < WINDOW_MS) {
      window.failures++;
      return;
    }
    if (this.windows.size >= PRUNE_ABOVE) this.prune(now);
    this.windows.set(address, { startedAt: now, failures: 1, refused: false });
  }

  private prune(now: number): void {
    for (const [address, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(address);
  }
}
