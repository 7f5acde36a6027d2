import type { PostgresMigration } from './postgres-migration';

/**
 * The webhook outbox shared by every instance (webhook-outbox.port.ts says
 * what it keeps; postgres-webhook-outbox.ts how instances claim from it).
 * Times are timestamptz at the clock's millisecond precision, so they read
 * back as the ISO strings that were written.
 */
export const WEBHOOK_OUTBOX_MIGRATION: PostgresMigration = {
  version: 50,
  name: 'webhook outbox',
  sql: `
    CREATE TABLE webhook_outbox (
      seq              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      delivery_id      text        NOT NULL UNIQUE,
      order_id         text        NOT NULL,
      type             text        NOT NULL,
      event_position   text        NOT NULL,
      body             text        NOT NULL,
      state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'abandoned')),
      attempts         integer     NOT NULL DEFAULT 0,
      enqueued_at      timestamptz NOT NULL,
      first_attempt_at timestamptz,
      last_attempt_at  timestamptz,
      next_attempt_at  timestamptz NOT NULL,
      last_error       text,
      last_http_status integer,
      leased_until     timestamptz,
      lease_owner      text,
      completed_at     timestamptz,
      audited          boolean     NOT NULL DEFAULT false
    );
    -- The due scan walks this index in order and stops at its LIMIT; finished rows are not in it, so its size is the backlog.
    CREATE INDEX webhook_outbox_due_in_order ON webhook_outbox (next_attempt_at, seq) WHERE state = 'pending';
    CREATE INDEX webhook_outbox_by_order ON webhook_outbox (order_id, seq);
    -- "Has this order a row out right now?", asked for each due row a claim looks at: only leased rows are in it.
    CREATE INDEX webhook_outbox_leased_by_order ON webhook_outbox (order_id) WHERE state = 'pending' AND leased_until IS NOT NULL;
    CREATE INDEX webhook_outbox_unaudited ON webhook_outbox (seq) WHERE NOT audited AND state <> 'pending';
  `,
};
