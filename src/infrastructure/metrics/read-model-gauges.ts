import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { queryRows } from '../postgres/postgres-query';

/** What the read-model metrics read when Prometheus scrapes, from whichever storage holds the read models. */
export interface ReadModelGauges {
  payoutsByStatus(): Promise<{ status: string; n: number }[]>;
  fallbackQueue(): Promise<{ n: number; oldest: string | null }>;
  /** Outbox rows by state and the pending ones whose last attempt failed; null while the outbox has no table. */
  webhookDeliveries(): Promise<{ byState: { state: string; n: number }[]; failing: number } | null>;
  /** SETTLED rows updated after `updatedAt`, oldest first. */
  settledAfter(updatedAt: string): Promise<{ updated_at: string; view: string }[]>;
}

const SQL = {
  byStatus: 'SELECT status, count(*) AS n FROM payouts GROUP BY status',
  queue: 'SELECT count(*) AS n, min(queued_at) AS oldest FROM fallback_queue',
  outbox: 'SELECT state, count(*) AS n FROM webhook_outbox GROUP BY state',
  failing: "SELECT count(*) AS n FROM webhook_outbox WHERE state = 'pending' AND last_error IS NOT NULL",
  settled: "SELECT updated_at, view FROM payouts WHERE status = 'SETTLED' AND updated_at > ? ORDER BY updated_at",
};

/** The read-model file: a table not created yet (an app that has not applied anything) reads as empty. */
export function sqliteReadModelGauges(db: Database.Database): ReadModelGauges {
  const hasTable = (name: string): boolean =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  return {
    payoutsByStatus: async () => (hasTable('payouts') ? db.prepare<[], { status: string; n: number }>(SQL.byStatus).all() : []),
    fallbackQueue: async () =>
      hasTable('fallback_queue') ? db.prepare<[], { n: number; oldest: string | null }>(SQL.queue).get()! : { n: 0, oldest: null },
    webhookDeliveries: async () =>
      hasTable('webhook_outbox')
        ? {
            byState: db.prepare<[], { state: string; n: number }>(SQL.outbox).all(),
            failing: db.prepare<[], { n: number }>(SQL.failing).get()!.n,
          }
        : null,
    settledAfter: async (updatedAt) =>
      hasTable('payouts') ? db.prepare<[string], { updated_at: string; view: string }>(SQL.settled).all(updatedAt) : [],
  };
}

/** The shared database (tables made by the migrations; the outbox's may belong to a later one). */
export function postgresReadModelGauges(pool: Pool): ReadModelGauges {
  const rows = <R extends object>(sql: string, params: unknown[] = []) => queryRows<R>(pool, sql.replace('?', '$1'), params);
  return {
    payoutsByStatus: async () =>
      (await rows<{ status: string; n: string }>(SQL.byStatus)).map((r) => ({ status: r.status, n: Number(r.n) })),
    fallbackQueue: async () => {
      const [row] = await rows<{ n: string; oldest: string | null }>(SQL.queue);
      return { n: Number(row.n), oldest: row.oldest };
    },
    webhookDeliveries: async () => {
      const [{ exists }] = await rows<{ exists: boolean }>("SELECT to_regclass('webhook_outbox') IS NOT NULL AS exists");
      if (!exists) return null;
      const byState = (await rows<{ state: string; n: string }>(SQL.outbox)).map((r) => ({ state: r.state, n: Number(r.n) }));
      const [failing] = await rows<{ n: string }>(SQL.failing);
      return { byState, failing: Number(failing.n) };
    },
    settledAfter: (updatedAt) => rows<{ updated_at: string; view: string }>(SQL.settled, [updatedAt]),
  };
}
