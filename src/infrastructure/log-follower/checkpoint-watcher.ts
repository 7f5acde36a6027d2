import { Logger } from '@nestjs/common';
import { asError, describeError } from '../../application/describe-error';
import { Clock } from '../../application/ports/clock.port';
import { comparePositions } from '../../application/ports/event-store.port';
import { FollowerStorage } from './follower-storage';
import { FollowerStatus } from './log-follower';
import { PositionWaiters } from './position-waiters';

export interface CheckpointWatcherOptions {
  name: string;
  storage: FollowerStorage<unknown>;
  clock: Clock;
  /** How often the shared checkpoint is read while idle: what status() reports between reads. */
  pollMs?: number;
  /** How often it is read while someone waits for a position. */
  waitPollMs?: number;
  /** Where this process's own follower stands when it applies: waiters are released from it without a query. */
  local?: () => string | null;
}

/**
 * A follower seen from its shared checkpoint: what an instance that does not
 * hold the projection lease reports and waits on, while another instance
 * applies. Lag is measured against the heads seen by status calls: the
 * checkpoint is "behind" from the first call that saw a head it has not
 * reached, until it reaches that head.
 */
export class CheckpointWatcher {
  private readonly logger = new Logger(CheckpointWatcher.name);
  readonly name: string;
  private readonly pollMs: number;
  private readonly waitPollMs: number;
  private stored: string | null = null;
  private lastError: unknown = null;
  private failures = 0;
  private target: { head: string; since: number } | null = null;
  private failingSince: number | null = null;
  private readonly waiters = new PositionWaiters();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private reading: Promise<void> | null = null;

  constructor(private readonly options: CheckpointWatcherOptions) {
    this.name = options.name;
    this.pollMs = options.pollMs ?? 1_000;
    this.waitPollMs = options.waitPollMs ?? 50;
  }

  get position(): string | null {
    const local = this.options.local?.() ?? null;
    if (local === null) return this.stored;
    return this.stored === null || comparePositions(local, this.stored) > 0 ? local : this.stored;
  }

  get retries(): number {
    return this.failures;
  }

  get error(): Error | null {
    return this.lastError === null ? null : asError(this.lastError);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  status(head: string | null): FollowerStatus {
    const now = this.options.clock.now().getTime();
    const position = this.position;
    const reached = (target: string) => position !== null && comparePositions(position, target) >= 0;
    if (this.target !== null && reached(this.target.head)) this.target = null;
    if (this.target === null && head !== null && !reached(head)) this.target = { head, since: now };
    const behindSince = Math.min(this.target?.since ?? now, this.failingSince ?? now);
    return {
      name: this.name,
      position,
      head,
      behindForMs: now - behindSince,
      retries: this.failures,
      ...(this.lastError !== null ? { error: describeError(this.lastError) } : {}),
    };
  }

  waitFor(position: string): Promise<void> {
    const waiting = this.waiters.wait(position, this.position);
    if (this.waiters.waiting > 0) this.schedule();
    return waiting;
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (!this.running && this.waiters.waiting === 0) return;
    const delay = this.waiters.waiting > 0 ? this.waitPollMs : this.pollMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh().then(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  /** Reads the shared checkpoint now (after a rebuild moved it back, say). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      this.stored = (await this.options.storage.read(this.name)).position;
      this.failures = 0;
      this.lastError = null;
      this.failingSince = null;
    } catch (error) {
      if (this.failures++ === 0) this.logger.warn(`${this.name}: cannot read the shared checkpoint: ${describeError(error)}`);
      this.lastError = error;
      this.failingSince ??= this.options.clock.now().getTime();
    }
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    this.waiters.release(this.position);
  }
}
