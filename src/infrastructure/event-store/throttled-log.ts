import type { Clock } from '../../application/ports/clock.port';

/**
 * A condition that may last for hours (the store being unreachable) is
 * reported at most once per interval, and its end once, so the log stays
 * readable and a retry loop cannot flood it.
 */
export class ThrottledLog {
  private lastReportedAt: number | null = null;

  constructor(
    private readonly write: (line: string) => void,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Writes the line unless one was written less than the interval ago. */
  report(line: string): void {
    const now = this.clock.now().getTime();
    if (this.lastReportedAt !== null && now - this.lastReportedAt < this.intervalMs) {
      return;
    }
    this.lastReportedAt = now;
    this.write(line);
  }

  /** The condition is over: writes the line if it had been reported, and lets the next occurrence be reported at once. */
  resolve(line: string): void {
    if (this.lastReportedAt === null) {
      return;
    }
    this.lastReportedAt = null;
    this.write(line);
  }
}
