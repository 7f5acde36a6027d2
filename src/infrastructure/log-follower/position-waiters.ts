import { comparePositions } from '../../application/ports/event-store.port';

/** Callers waiting until a follower reaches a log position. */
export class PositionWaiters {
  private waiters: { position: string; resolve: () => void }[] = [];

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once `release` is called with `position` or a later one (at once when `current` is there already). */
  wait(position: string, current: string | null): Promise<void> {
    if (current !== null && comparePositions(current, position) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  release(current: string | null): void {
    if (current === null || this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => comparePositions(current, w.position) >= 0);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }
}
