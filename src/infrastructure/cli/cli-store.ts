import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStore } from '../../application/ports/event-store.port';
import { AppConfig } from '../config/app-config';
import { InvalidConfigurationError, loadConfig } from '../config/load-config';
import { EsdbEventStore } from '../event-store/esdb-event-store';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { openReadModelDatabase } from '../projections/read-model-database';
import { SystemClock } from '../system/system-clock';
import { UsageError } from './cli-errors';

/** The service's own configuration, from the same environment; a problem is a usage error (exit 2), never echoing secrets. */
export function cliConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) throw new UsageError(`invalid configuration:\n  ${error.problems.join('\n  ')}`);
    throw error;
  }
}

/** 'read' (every audit) never writes to the file it reads; only `reconcile --record` and `rebuild`'s read models write. */
export type StoreAccess = 'read' | 'write';

/**
 * The configured store, opened for an audit: a SQLite store must already
 * exist and hold something (a missing or empty file is no ledger, and must not
 * "verify" as an empty one).
 */
export function openStore(config: AppConfig, access: StoreAccess = 'read'): EventStore {
  if (config.eventStore.kind === 'esdb')
    return new EsdbEventStore({ connectionString: config.eventStore.connectionString, clock: new SystemClock() });
  const filename = existingStoreFile(join(config.dataDir, SQLITE_EVENTS_FILE));
  return new SqliteEventStore({ filename, clock: new SystemClock(), readonly: access === 'read' });
}

/** The live read models: the events file itself with SQLite, `read-models.sqlite` beside EventStoreDB. */
export function openLiveReadModels(config: AppConfig, access: StoreAccess = 'read'): Database.Database {
  const filename = existingStoreFile(join(config.dataDir, config.eventStore.kind === 'sqlite' ? SQLITE_EVENTS_FILE : 'read-models.sqlite'));
  if (access === 'read') return new Database(filename, { readonly: true, fileMustExist: true });
  return openReadModelDatabase(config.dataDir, config.eventStore.kind);
}

function existingStoreFile(filename: string): string {
  let size: number;
  try {
    size = statSync(filename).size;
  } catch {
    throw new UsageError(`no store at ${filename} (set DATA_DIR to the directory holding it)`);
  }
  if (size === 0) throw new UsageError(`${filename} is empty (0 bytes): not a store`);
  return filename;
}

/** Runs `work` on the configured store and always closes it. */
export async function withStore<T>(config: AppConfig, work: (store: EventStore) => Promise<T>, access: StoreAccess = 'read'): Promise<T> {
  const store = openStore(config, access);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
