import type { PostgresMigration } from './postgres-migration';

/**
 * The event log (docs/architecture.md, "Event store port"), written and read
 * only by postgres-event-store.ts.
 *
 * Followers read in (transaction_id, position) order and only below the
 * oldest transaction still running: the identity column alone is not commit
 * order. `json`, not `jsonb`: the text is kept exactly as written (the hash
 * chain is over what the service wrote) and a NUL escape in a string is
 * accepted, where jsonb would refuse it.
 */
export const EVENTS_MIGRATION: PostgresMigration = {
  version: 1,
  name: 'events',
  sql: `
    CREATE TABLE events (
      position       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
      stream         text        NOT NULL,
      revision       integer     NOT NULL CHECK (revision >= 0),
      id             text        NOT NULL,
      type           text        NOT NULL,
      data           json        NOT NULL,
      metadata       json        NOT NULL,
      created_at     timestamptz NOT NULL,
      CONSTRAINT events_stream_revision_key UNIQUE (stream, revision),
      CONSTRAINT events_id_key UNIQUE (id)
    );
    CREATE INDEX events_commit_order ON events (transaction_id, position);
  `,
};
