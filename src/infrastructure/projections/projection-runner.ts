import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, Clock, RANDOM, RandomSource } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { ALWAYS_HELD, APPLY_LEASE, ApplyLease } from '../log-follower/apply-lease';
import { CheckpointWatcher } from '../log-follower/checkpoint-watcher';
import { PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { LeasedFollower } from '../log-follower/leased-follower';
import { FollowerProbe, LogFollower } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { PROJECTION_STORAGE, ProjectionStorage } from './projection-storage';

/**
 * Feeds every projection from the global log through one follower: each
 * batch reaches all of them in the transaction that moves their checkpoint.
 * With a shared database only the instance holding the lease applies; the
 * others see its progress through the shared checkpoint. Read models are
 * eventually consistent; GET /v1/payouts/{id} reads the stream itself.
 */
@Injectable()
export class ProjectionRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly leased: LeasedFollower<unknown>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PROJECTION_STORAGE) private readonly storage: ProjectionStorage<unknown>,
    @Inject(APPLY_LEASE) lease: ApplyLease,
    followers: LogFollowers,
    @Inject(CLOCK) clock: Clock,
    @Inject(RANDOM) random: RandomSource,
  ) {
    const follower = new LogFollower<unknown>({
      name: PROJECTIONS_CHECKPOINT,
      store,
      storage: storage.followers,
      clock,
      random: () => random.next(),
      handler: { prepare: () => ({ apply: (events, tx) => storage.apply(events, tx) }) },
    });
    const watcher =
      lease === ALWAYS_HELD
        ? null
        : new CheckpointWatcher({ name: PROJECTIONS_CHECKPOINT, storage: storage.followers, clock, local: () => follower.position });
    this.leased = new LeasedFollower(follower, lease, watcher);
    followers.add(this.leased);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.leased.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leased.stop();
  }

  /** The read models' follower as readiness and metrics see it (its shared checkpoint when another instance applies). */
  get follower(): FollowerProbe {
    return this.leased;
  }

  /** Position of the last event applied to the read models (null before the first). */
  get position(): string | null {
    return this.leased.position;
  }

  /** Why the current batch failed, while it is being retried. */
  get error(): Error | null {
    return this.leased.error;
  }

  /** Resolves once the read models hold the event at `position` (or later). */
  waitFor(position: string): Promise<void> {
    return this.leased.waitFor(position);
  }

  /** Drops every read model and replays the whole log into it; the webhook outbox is not a read model and is left alone. */
  async rebuild(): Promise<void> {
    await this.leased.pause(() => this.storage.reset());
  }
}
