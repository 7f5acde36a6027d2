import { Logger } from '@nestjs/common';
import { describeError } from '../../application/describe-error';
import { ApplyLease } from './apply-lease';
import { CheckpointWatcher } from './checkpoint-watcher';
import { FollowerProbe, FollowerStatus, LogFollower } from './log-follower';

/**
 * A follower that applies only while this process holds the lease, and is
 * otherwise seen through its shared checkpoint (`watcher`; null with SQLite,
 * where the lease is always held). Start, stop and lease changes are applied
 * one after the other, in order.
 */
export class LeasedFollower<Tx> implements FollowerProbe {
  private readonly logger = new Logger(LeasedFollower.name);
  readonly name: string;
  private running = false;
  private switching: Promise<void> = Promise.resolve();

  constructor(
    readonly follower: LogFollower<Tx>,
    private readonly lease: ApplyLease,
    private readonly watcher: CheckpointWatcher | null,
  ) {
    this.name = follower.name;
    lease.onChange(() => void this.follow());
  }

  get position(): string | null {
    return this.watcher?.position ?? this.follower.position;
  }

  get retries(): number {
    return this.applying ? this.follower.retries : this.watcher!.retries;
  }

  get error(): Error | null {
    return this.applying ? this.follower.error : this.watcher!.error;
  }

  status(head: string | null): FollowerStatus {
    return this.applying ? this.follower.status(head) : this.watcher!.status(head);
  }

  waitFor(position: string): Promise<void> {
    return this.watcher ? this.watcher.waitFor(position) : this.follower.waitFor(position);
  }

  async start(): Promise<void> {
    this.running = true;
    await this.watcher?.start();
    await this.follow();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.watcher?.stop();
    await this.follow();
  }

  /** Stops applying, runs `work` (a rebuild), then applies again if this process holds the lease. */
  async pause(work: () => Promise<void>): Promise<void> {
    await this.enqueue(async () => {
      await this.follower.stop();
      await work();
      await this.watcher?.refresh();
      if (this.running && this.lease.held) await this.follower.start();
    });
  }

  private get applying(): boolean {
    return this.watcher === null || (this.running && this.lease.held);
  }

  private follow(): Promise<void> {
    return this.enqueue(async () => {
      if (this.running && this.lease.held) {
        await this.follower.start();
        if (this.watcher) this.logger.log(`${this.name}: this instance applies (it holds the projection lease)`);
      } else {
        await this.follower.stop();
      }
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.switching.then(step);
    this.switching = next.catch((error) => this.logger.error(`${this.name}: ${describeError(error)}`));
    return next;
  }
}
