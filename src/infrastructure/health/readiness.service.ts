import { Inject, Injectable } from '@nestjs/common';
import { describeError } from '../../application/describe-error';
import { EVENT_STORE, EventStore } from '../../application/ports/event-store.port';
import { ALWAYS_HELD, APPLY_LEASE, ApplyLease } from '../log-follower/apply-lease';
import { FollowerStatus } from '../log-follower/log-follower';
import { LogFollowers } from '../log-follower/log-followers';
import { ProjectionRunner } from '../projections/projection-runner';
import { StoreFaults } from './store-faults';

/** A follower may trail the log briefly under load or while it retries a batch; longer than this and the instance is not ready. */
export const PROJECTION_LAG_BOUND_MS = 10_000;

export interface ReadinessReport {
  ready: boolean;
  /** `code` while a store fault is current (store_unavailable, store_corrupt); `checking` while the start-up integrity check runs. */
  eventStore: { reachable: boolean; error?: string; code?: string; checking?: string };
  /** The read models' follower (the report's shape before there were several). */
  projections: {
    position: string | null;
    head: string | null;
    behindForMs: number;
    retries: number;
    error?: string;
    /** PostgreSQL mode: whether this instance applies the shared projections now, or watches the one that does. */
    lease?: 'held' | 'standby';
  };
  /** Every log follower of this process: the read models, the webhook outbox. */
  followers: FollowerStatus[];
}

@Injectable()
export class ReadinessService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    private readonly followers: LogFollowers,
    @Inject(APPLY_LEASE) private readonly lease: ApplyLease,
    private readonly faults: StoreFaults,
  ) {}

  async check(): Promise<ReadinessReport> {
    const report = await this.probe();
    // A fault seen by any request turns readiness at once, even where a ping would still pass (a full disk reads).
    const fault = this.faults.current();
    if (fault !== null) return { ...report, ready: false, eventStore: { reachable: false, error: fault.message, code: fault.code } };
    const checking = this.faults.pending();
    if (checking !== null) return { ...report, ready: false, eventStore: { ...report.eventStore, checking } };
    return report;
  }

  private async probe(): Promise<ReadinessReport> {
    let head: string | null = null;
    try {
      await this.store.ping();
      head = await this.store.headPosition();
    } catch (error) {
      const followers = this.followers.all().map((follower) => ({
        name: follower.name,
        position: follower.position,
        head: null,
        behindForMs: 0,
        retries: follower.retries,
        ...(follower.error ? { error: describeError(follower.error) } : {}),
      }));
      return {
        ready: false,
        eventStore: { reachable: false, error: describeError(error) },
        projections: this.projectionsPart(followers.find((status) => status.name === this.runner.follower.name)!),
        followers,
      };
    }
    const followers = this.followers.all().map((follower) => follower.status(head));
    return {
      ready: followers.every((status) => status.behindForMs <= PROJECTION_LAG_BOUND_MS),
      eventStore: { reachable: true },
      projections: this.projectionsPart(followers.find((status) => status.name === this.runner.follower.name)!),
      followers,
    };
  }

  private projectionsPart({ position, head, behindForMs, retries, error }: FollowerStatus): ReadinessReport['projections'] {
    const lease = this.lease === ALWAYS_HELD ? {} : { lease: this.lease.held ? ('held' as const) : ('standby' as const) };
    return { position, head, behindForMs, retries, ...(error !== undefined ? { error } : {}), ...lease };
  }
}
