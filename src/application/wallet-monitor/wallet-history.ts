export type WalletSampleKind = 'probe' | 'pay' | 'status';

export interface WalletSample {
  at: string;
  kind: WalletSampleKind;
  /** The wallet answered (any LNbits answer); false: nothing could be concluded (520/524, other 5xx, timeout, reset). */
  ok: boolean;
  latencyMs: number;
  detail: string;
}

const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;
/** A week of hours: the longest series the admin API serves. */
const KEPT_HOURS = 168;

/**
 * The monitor's short memory: the last `capacity` samples as they were, and
 * per-minute counts for availability over the last hour, so a busy hour costs
 * 60 counters rather than every POST's sample.
 */
export class WalletHistory {
  private readonly samples: WalletSample[] = [];
  private readonly minutes = new Map<number, { ok: number; total: number }>();
  /** The same counts per hour, for the admin page's 24 h chart. */
  private readonly hours = new Map<number, { ok: number; total: number }>();

  constructor(private readonly capacity: number) {}

  record(sample: WalletSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
    const minute = Math.floor(Date.parse(sample.at) / MINUTE_MS);
    const counts = this.minutes.get(minute) ?? { ok: 0, total: 0 };
    counts.total++;
    if (sample.ok) counts.ok++;
    this.minutes.set(minute, counts);
    for (const key of this.minutes.keys()) if (key <= minute - HOUR_MINUTES) this.minutes.delete(key);
    const hour = Math.floor(minute / HOUR_MINUTES);
    const hourly = this.hours.get(hour) ?? { ok: 0, total: 0 };
    hourly.total++;
    if (sample.ok) hourly.ok++;
    this.hours.set(hour, hourly);
    for (const key of this.hours.keys()) if (key <= hour - KEPT_HOURS) this.hours.delete(key);
  }

  /** Share of answered samples in the hour starting at `hourStartMs`; null when this process saw none then. */
  availabilityInHour(hourStartMs: number): number | null {
    const counts = this.hours.get(Math.floor(hourStartMs / (HOUR_MINUTES * MINUTE_MS)));
    return counts ? counts.ok / counts.total : null;
  }

  /** Newest first. */
  recent(): WalletSample[] {
    return [...this.samples].reverse();
  }

  /** Share of samples in the last hour (the current minute and the 59 before it) where the wallet answered; 1 with none. */
  availability(now: Date): number {
    const current = Math.floor(now.getTime() / MINUTE_MS);
    let ok = 0;
    let total = 0;
    for (const [minute, counts] of this.minutes) {
      if (minute <= current - HOUR_MINUTES || minute > current) continue;
      ok += counts.ok;
      total += counts.total;
    }
    return total === 0 ? 1 : ok / total;
  }
}
