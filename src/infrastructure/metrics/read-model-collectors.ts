import { Gauge, Histogram, Registry } from 'prom-client';
import { Clock } from '../../application/ports/clock.port';
import { EventStore } from '../../application/ports/event-store.port';
import { PAYOUT_STATUSES } from '../../domain/payout/payout-status';
import { LogFollowers } from '../log-follower/log-followers';
import { ReadModelGauges } from './read-model-gauges';

/** created -> settled, in seconds: instant sandbox payments up to a day in the fallback view. */
const SETTLE_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 24 * 3600];

export interface ReadModelSources {
  gauges: ReadModelGauges;
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
  const { gauges, store, followers, clock } = sources;

  new Gauge({
    name: 'pll_payouts',
    help: 'Payouts by status (read model)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await gauges.payoutsByStatus();
      this.reset();
      for (const status of PAYOUT_STATUSES) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });

  // One query feeds each pair of gauges: a scrape collects every metric at once, and the pair shares the read in flight.
  const queue = shared(() => gauges.fallbackQueue());
  new Gauge({
    name: 'pll_fallback_queue_depth',
    help: 'Orders in the fallback view',
    registers: [registry],
    async collect() {
      this.set((await queue()).n);
    },
  });
  new Gauge({
    name: 'pll_fallback_queue_oldest_age_seconds',
    help: 'Age of the order longest in the fallback view (0 when empty)',
    registers: [registry],
    async collect() {
      const { oldest } = await queue();
      this.set(oldest ? Math.max(0, clock.now().getTime() - Date.parse(oldest)) / 1000 : 0);
    },
  });

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

  const deliveries = shared(() => gauges.webhookDeliveries());
  new Gauge({
    name: 'pll_webhook_deliveries',
    help: 'Webhook outbox rows by state (pending = backlog; abandoned = gave up after 24 h)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = (await deliveries())?.byState ?? [];
      this.reset();
      for (const state of ['pending', 'delivered', 'abandoned']) this.set({ state }, 0);
      for (const row of rows) this.set({ state: row.state }, row.n);
    },
  });
  new Gauge({
    name: 'pll_webhook_deliveries_failing',
    help: 'Pending webhook deliveries whose last attempt failed',
    registers: [registry],
    async collect() {
      this.set((await deliveries())?.failing ?? 0);
    },
  });

  // Settled is final: each row is observed once, when a scrape first sees it.
  let observedUpTo = '';
  new Histogram({
    name: 'pll_payout_settle_duration_seconds',
    help: 'From payout created to settled',
    buckets: SETTLE_BUCKETS,
    registers: [registry],
    async collect() {
      const rows = await gauges.settledAfter(observedUpTo);
      for (const row of rows) {
        const view = JSON.parse(row.view) as { createdAt: string; settledAt: string | null };
        if (view.settledAt) this.observe(Math.max(0, Date.parse(view.settledAt) - Date.parse(view.createdAt)) / 1000);
        observedUpTo = row.updated_at;
      }
    },
  });
}

/** A read whose answer every caller gets while it is in flight; the next call after it settles reads again. */
function shared<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => (inFlight ??= read().finally(() => (inFlight = null)));
}
