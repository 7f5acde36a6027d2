import type { PostgresMigration } from './postgres-migration';

/** The timings the fallback view was projected with, for `ledger verify` run away from the service's environment. */
export const SERVICE_TIMINGS_MIGRATION: PostgresMigration = {
  version: 3,
  name: 'service timings',
  sql: `CREATE TABLE service_timings (
    id      integer PRIMARY KEY CHECK (id = 1),
    timings text NOT NULL
  );`,
};
