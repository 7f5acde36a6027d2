import type { PostgresMigration } from './postgres-migration';

/**
 * The read models every instance serves (payouts, the fallback view, the
 * stats tables) and the log followers' checkpoints, shared by all instances.
 * Text columns that are sorted or paged on use the "C" collation: byte order,
 * as SQLite compares, whatever the database's locale, so keyset cursors and
 * ISO timestamps order the same in both storages. JSON stays text: the rows
 * are compared byte for byte with a rebuild.
 */
export const READ_MODELS_MIGRATION: PostgresMigration = {
  version: 2,
  name: 'read models and log checkpoints',
  sql: `
    CREATE TABLE log_checkpoints (
      name     text COLLATE "C" PRIMARY KEY,
      position text
    );
    CREATE TABLE payouts (
      order_id   text COLLATE "C" PRIMARY KEY,
      status     text COLLATE "C" NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      state      text NOT NULL,
      view       text NOT NULL
    );
    CREATE INDEX payouts_by_created ON payouts (created_at, order_id);
    CREATE INDEX payouts_by_status ON payouts (status, created_at, order_id);
    CREATE TABLE fallback_queue (
      order_id        text COLLATE "C" PRIMARY KEY,
      status          text COLLATE "C" NOT NULL,
      attempts        integer NOT NULL,
      last_error      text,
      queued_at       text COLLATE "C" NOT NULL,
      next_attempt_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX fallback_queue_by_due ON fallback_queue (next_attempt_at, order_id);
    CREATE TABLE settlements (
      order_id    text COLLATE "C" PRIMARY KEY,
      amount_sats bigint NOT NULL,
      fee_msat    bigint,
      settled_at  text COLLATE "C"
    );
    CREATE INDEX settlements_by_time ON settlements (settled_at);
    CREATE TABLE voltz_520 (
      event_id    text COLLATE "C" PRIMARY KEY,
      source      text COLLATE "C" NOT NULL,
      received_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX voltz_520_by_time ON voltz_520 (received_at, source);
  `,
};
