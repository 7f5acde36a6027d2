import { SingleBar } from 'cli-progress';

const PLAIN_EVERY_MS = 2000;

/**
 * Progress of a long run on stderr, so stdout stays the report: a bar on a
 * terminal, a plain line every two seconds otherwise (logs, CI).
 */
export class ProgressReporter {
  private bar: SingleBar | null = null;
  // Short runs print nothing: the first plain line comes after two seconds.
  private lastLine = Date.now();
  private count = 0;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(count: number, total?: number): void {
    this.count = count;
    if (this.stream.isTTY) {
      if (!this.bar) {
        this.bar = new SingleBar(
          { stream: this.stream, format: `${this.label} [{bar}] {value}/{total}`, hideCursor: true, noTTYOutput: false },
          undefined,
        );
        this.bar.start(total ?? 0, count);
      }
      if (total !== undefined) this.bar.setTotal(total);
      this.bar.update(count);
      return;
    }
    const now = Date.now();
    if (now - this.lastLine >= PLAIN_EVERY_MS) {
      this.lastLine = now;
      this.stream.write(`${this.label}: ${count}${total !== undefined ? `/${total}` : ''}\n`);
    }
  }

  done(): void {
    if (this.bar) {
      this.bar.update(this.count);
      this.bar.stop();
      this.bar = null;
    }
  }
}
