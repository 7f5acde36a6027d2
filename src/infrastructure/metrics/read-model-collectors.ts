import Database from 'better-sqlite3';
import { Gauge, Histogram, Registry } from 'prom-client';
import { Clock } from '../../application/ports/clock.port';
import { EventStore } from '../../application/ports/event-store.port';
import { PAYOUT_STATUSES } from '../../domain/payout/payout-status';
import { LogFollowers } from '../log-follower/log-followers';

/** created -> settled, in seconds: instant sandbox payments up to a day in the fallback view. */
const SETTLE_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 24 * 3600];

export interface ReadModelSources {
  db: Database.Database;
  store: EventStore;
  followers: LogFollowers;
  clock: Clock;
}

/**
 * Figures read from the read models when Prometheus scrapes, so they are
 * right however many processes share the data (and cost nothing between
 * scrapes): payouts by status, the fallback view, projection lag, the webhook
 * outbox, and the created -> settled histogram fed by newly settled rows.
 */
export function registerReadModelCollectors(registry: Registry, sources: ReadModelSources): void {
  const { db, store, followers, clock } = sources;
  const hasTable = (name: string): boolean =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

  new Gauge({
    name: 'pll_payouts',
    help: 'Payouts by status (read model)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of PAYOUT_STATUSES) this.set({ status }, 0);
      if (!hasTable('payouts')) return;
      for (const row of db.prepare<[], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM payouts GROUP BY status').all()) {
        this.set({ status: row.status }, row.n);
      }
    },
  });

  // prom-client reads metrics in registration order: each query runs in the first gauge's collect, which also sets the second.
  const fallbackOldest = new Gauge({
    name: 'pll_fallback_queue_oldest_age_seconds',
    help: 'Age of the order longest in the fallback view (0 when empty)',
    registers: [],
  });
  new Gauge({
    name: 'pll_fallback_queue_depth',
    help: 'Orders in the fallback view',
    registers: [registry],
    collect() {
      const row = hasTable('fallback_queue')
        ? db.prepare<[], { n: number; oldest: string | null }>('SELECT COUNT(*) AS n, MIN(queued_at) AS oldest FROM fallback_queue').get()
        : undefined;
      this.set(row?.n ?? 0);
      fallbackOldest.set(row?.oldest ? Math.max(0, clock.now().getTime() - Date.parse(row.oldest)) / 1000 : 0);
    },
  });
  registry.registerMetric(fallbackOldest);

  new Gauge({
    name: 'pll_projection_lag_seconds',
    help: 'How long each log follower has trailed the head of the log (0 when caught up)',
    labelNames: ['follower'] as const,
    registers: [registry],
    async collect() {
      const head = await store.headPosition();
      this.reset();
      for (const follower of followers.all()) this.set({ follower: follower.name }, follower.status(head).behindForMs / 1000);
    },
  });

  const webhookFailing = new Gauge({
    name: 'pll_webhook_deliveries_failing',
    help: 'Pending webhook deliveries whose last attempt failed',
    registers: [],
  });
  new Gauge({
    name: 'pll_webhook_deliveries',
    help: 'Webhook outbox rows by state (pending = backlog; abandoned = gave up after 24 h)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const state of ['pending', 'delivered', 'abandoned']) this.set({ state }, 0);
      webhookFailing.set(0);
      if (!hasTable('webhook_outbox')) return;
      for (const row of db
        .prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM webhook_outbox GROUP BY state')
        .all()) {
        this.set({ state: row.state }, row.n);
      }
      const failing = db
        .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM webhook_outbox WHERE state = 'pending' AND last_error IS NOT NULL")
        .get();
      webhookFailing.set(failing?.n ?? 0);
    },
  });
  registry.registerMetric(webhookFailing);

  // Settled is final: each row is observed once, when a scrape first sees it.
  let observedUpTo = '';
  new Histogram({
    name: 'pll_payout_settle_duration_seconds',
    help: 'From payout created to settled',
    buckets: SETTLE_BUCKETS,
    registers: [registry],
    collect() {
      if (!hasTable('payouts')) return;
      const rows = db
        .prepare<[string], { updated_at: string; view: string }>(
          "SELECT updated_at, view FROM payouts WHERE status = 'SETTLED' AND updated_at > ? ORDER BY updated_at",
        )
        .all(observedUpTo);
      for (const row of rows) {
        const view = JSON.parse(row.view) as { createdAt: string; settledAt: string | null };
        if (view.settledAt) this.observe(Math.max(0, Date.parse(view.settledAt) - Date.parse(view.createdAt)) / 1000);
        observedUpTo = row.updated_at;
      }
    },
  });
}
