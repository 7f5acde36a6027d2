import { JsonLogger } from '../../src/infrastructure/logging/json-logger.service';
import { LogLevel } from '../../src/infrastructure/logging/log-level';

type Line = Record<string, any>;

/** A JsonLogger whose lines the test reads, and awaits, instead of stdout. */
export class LogCapture {
  readonly raw: string[] = [];
  private readonly waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  readonly logger: JsonLogger;

  constructor(level: LogLevel = 'debug') {
    this.logger = new JsonLogger(level, (text) => this.receive(text));
  }

  get lines(): Line[] {
    return this.raw.map((text) => JSON.parse(text));
  }

  /** Resolves with the first line (already written or still to come) that matches. */
  waitFor(match: (line: Line) => boolean, timeoutMs = 10_000): Promise<Line> {
    const found = this.lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  private receive(text: string): void {
    if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) throw new Error(`not one line: ${JSON.stringify(text)}`);
    this.raw.push(text.trimEnd());
    const line = JSON.parse(text);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(line)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}
