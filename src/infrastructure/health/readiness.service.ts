import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { EVENT_STORE, EventStore, comparePositions } from '../../application/ports/event-store.port';
import { ProjectionRunner } from '../projections/projection-runner';

/** Projections may trail the log briefly under load; longer than this and the instance is not ready. */
export const PROJECTION_LAG_BOUND_MS = 10_000;

export interface ReadinessReport {
  ready: boolean;
  eventStore: { reachable: boolean; error?: string };
  projections: { position: string | null; head: string | null; behindForMs: number; error?: string };
}

@Injectable()
export class ReadinessService {
  private behindSince: number | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async check(): Promise<ReadinessReport> {
    let head: string | null = null;
    try {
      await this.store.ping();
      head = await this.store.headPosition();
    } catch (error) {
      return {
        ready: false,
        eventStore: { reachable: false, error: (error as Error).message },
        projections: { position: this.runner.position, head: null, behindForMs: 0 },
      };
    }
    const position = this.runner.position;
    const caughtUp = head === null || (position !== null && comparePositions(position, head) >= 0);
    const now = this.clock.now().getTime();
    this.behindSince = caughtUp ? null : (this.behindSince ?? now);
    const behindForMs = this.behindSince === null ? 0 : now - this.behindSince;
    const failure = this.runner.error;
    return {
      ready: !failure && behindForMs <= PROJECTION_LAG_BOUND_MS,
      eventStore: { reachable: true },
      projections: { position, head, behindForMs, ...(failure ? { error: failure.message } : {}) },
    };
  }
}
