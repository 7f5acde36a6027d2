import { SingleBar } from 'cli-progress';

const PLAIN_EVERY_MS = 2000;

/**
 * Progress of a long run on stderr, so stdout stays the report: a bar on a
 * terminal, a plain line every two seconds otherwise (logs, CI). With a total
 * it shows how far and the time left; without one, only the count (never
 * "n/0").
 */
export class ProgressReporter {
  private bar: SingleBar | null = null;
  // Short runs print nothing: the first plain line comes after two seconds.
  private lastLine = Date.now();
  private readonly startedAt = Date.now();
  private count = 0;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(count: number, total?: number): void {
    this.count = count;
    // A total passed (the log grew while it was read) counts as unknown.
    const known = total !== undefined && total > 0 && count <= total ? total : undefined;
    if (this.stream.isTTY) {
      if (!this.bar) {
        const format = known ? `${this.label} [{bar}] {value}/{total} {percentage}% ETA {eta_formatted}` : `${this.label} {value}`;
        this.bar = new SingleBar({ stream: this.stream, format, hideCursor: true, noTTYOutput: false, etaBuffer: 1000 }, undefined);
        this.bar.start(known ?? 0, count);
      }
      if (known !== undefined) this.bar.setTotal(known);
      this.bar.update(count);
      return;
    }
    const now = Date.now();
    if (now - this.lastLine < PLAIN_EVERY_MS) return;
    this.lastLine = now;
    this.stream.write(
      `${this.label}: ${count}${known ? `/${known} (${Math.floor((100 * count) / known)} %, ${eta(count, known, now - this.startedAt)})` : ''}\n`,
    );
  }

  done(): void {
    if (this.bar) {
      this.bar.update(this.count);
      this.bar.stop();
      this.bar = null;
    }
  }
}

/** Time left at the average rate so far. */
export function eta(count: number, total: number, elapsedMs: number): string {
  if (count === 0) return 'ETA unknown';
  const leftS = Math.round(((total - count) * elapsedMs) / count / 1000);
  return leftS >= 60 ? `ETA ${Math.floor(leftS / 60)} min ${leftS % 60} s` : `ETA ${leftS} s`;
}

/** Events in the log, where the store's positions count them (SQLite, PostgreSQL); undefined where they do not (EventStoreDB). */
export async function logSize(store: { headPosition(): Promise<string | null> }): Promise<number | undefined> {
  const head = await store.headPosition();
  if (head === null) return 0;
  return /^\d+$/.test(head) ? Number(head) : undefined;
}
