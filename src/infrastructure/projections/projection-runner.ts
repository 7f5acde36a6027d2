import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { CLOCK, Clock, RANDOM, RandomSource } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { LogFollower } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { PROJECTIONS, Projection } from './projection';
import { READ_MODEL_DB } from './read-model-database';

/**
 * Feeds every projection from the global log through one follower: each
 * batch reaches all of them in the transaction that moves their checkpoint.
 * Read models are eventually consistent; GET /v1/payouts/{id} reads the stream itself.
 */
@Injectable()
export class ProjectionRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly follower: LogFollower;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    private readonly checkpoints: LogCheckpoints,
    followers: LogFollowers,
    @Inject(CLOCK) clock: Clock,
    @Inject(RANDOM) random: RandomSource,
  ) {
    for (const projection of projections) projection.setup(db);
    this.follower = new LogFollower({
      name: PROJECTIONS_CHECKPOINT,
      store,
      db,
      checkpoints,
      clock,
      random: () => random.next(),
      handler: { prepare: () => ({ apply: (events) => projections.forEach((projection) => projection.apply(db, events)) }) },
    });
    followers.add(this.follower);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  /** Position of the last event applied to the read models (null before the first). */
  get position(): string | null {
    return this.follower.position;
  }

  /** Why the current batch failed, while it is being retried. */
  get error(): Error | null {
    return this.follower.error;
  }

  /** Resolves once the read models hold the event at `position` (or later). */
  waitFor(position: string): Promise<void> {
    return this.follower.waitFor(position);
  }

  /** Drops every read model and replays the whole log into it; the webhook outbox is not a read model and is left alone. */
  async rebuild(): Promise<void> {
    await this.follower.stop();
    this.db.transaction(() => {
      for (const projection of this.projections) projection.reset(this.db);
      this.checkpoints.remove(PROJECTIONS_CHECKPOINT);
    })();
    await this.follower.start();
  }
}
