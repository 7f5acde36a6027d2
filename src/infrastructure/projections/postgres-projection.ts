import type { ClientBase } from 'pg';
import { StoredEvent } from '../../application/ports/event-store.port';

/**
 * A read model kept in the shared PostgreSQL database (tables created by the
 * migrations). `apply` gets the events of one batch, in log order, on the
 * client of the transaction that moves the checkpoint.
 */
export interface PostgresProjection {
  readonly name: string;
  /** Its tables and their primary keys: emptied by a reset, compared row by row by `ledger verify`. */
  readonly tables: ReadonlyArray<{ name: string; key: string }>;
  apply(client: ClientBase, events: readonly StoredEvent[]): Promise<void>;
}
