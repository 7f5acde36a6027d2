import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { join } from 'path';
import { Clock } from '../../src/application/ports/clock.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDatabase } from '../../src/infrastructure/projections/read-model-database';
import { makeTempDir } from './temp-dir';

export interface StoreWithReadModel {
  store: SqliteEventStore;
  /** The read-model connection, on the events file as in embedded mode. */
  db: Database.Database;
  close(): Promise<void>;
}

/** A real SqliteEventStore and a read-model connection on its file, in a fresh temp dir, with Nest's logger silenced until close(). */
export function openStoreWithReadModel(clock: Clock, prefix: string): StoreWithReadModel {
  const dir = makeTempDir(prefix);
  const store = new SqliteEventStore({ filename: join(dir.path, 'events.sqlite'), clock, pollIntervalMs: 20 });
  const db = openReadModelDatabase(dir.path, 'sqlite');
  const spies = [
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined),
  ];
  return {
    store,
    db,
    async close() {
      await store.close();
      db.close();
      dir.remove();
      for (const spy of spies) spy.mockRestore();
    },
  };
}
