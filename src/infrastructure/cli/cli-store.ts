import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { EventStore } from '../../application/ports/event-store.port';
import { AppConfig } from '../config/app-config';
import { InvalidConfigurationError, loadConfig } from '../config/load-config';
import { EsdbEventStore } from '../event-store/esdb-event-store';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { openReadModelDatabase } from '../projections/read-model-database';
import { SystemClock } from '../system/system-clock';
import { UsageError } from './cli-errors';

/**
 * The service's own configuration, from the same environment; a problem is a usage error (exit 2), never echoing secrets.
 * No API key is needed, and VOLTZ_READ_KEY alone is a wallet key enough: nothing in the CLI pays.
 */
export function cliConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(readKeyAsWalletKey(env), { apiKeys: 'optional' });
  } catch (error) {
    if (error instanceof InvalidConfigurationError) throw new UsageError(`invalid configuration:\n  ${error.problems.join('\n  ')}`);
    throw error;
  }
}

/** Without an admin key, the read key (given as a value or a file) stands in for it. */
function readKeyAsWalletKey(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  if (set('VOLTZ_ADMIN_KEY') || set('VOLTZ_ADMIN_KEY_FILE')) return env;
  if (set('VOLTZ_READ_KEY')) return { ...env, VOLTZ_ADMIN_KEY: env.VOLTZ_READ_KEY };
  if (set('VOLTZ_READ_KEY_FILE')) return { ...env, VOLTZ_ADMIN_KEY_FILE: env.VOLTZ_READ_KEY_FILE };
  return env;
}

/**
 * The configured store, opened for an audit: a SQLite store must already
 * exist (opening a missing file would create an empty ledger that "verifies").
 */
export function openStore(config: AppConfig): EventStore {
  if (config.eventStore.kind === 'esdb')
    return new EsdbEventStore({ connectionString: config.eventStore.connectionString, clock: new SystemClock() });
  const filename = join(config.dataDir, SQLITE_EVENTS_FILE);
  if (!existsSync(filename)) throw new UsageError(`no store at ${filename} (set DATA_DIR to the directory holding it)`);
  return new SqliteEventStore({ filename, clock: new SystemClock() });
}

/** The live read models: the events file itself with SQLite, `read-models.sqlite` beside EventStoreDB. */
export function openLiveReadModels(config: AppConfig): Database.Database {
  const filename = join(config.dataDir, config.eventStore.kind === 'sqlite' ? SQLITE_EVENTS_FILE : 'read-models.sqlite');
  if (!existsSync(filename)) throw new UsageError(`no store at ${filename} (set DATA_DIR to the directory holding it)`);
  return openReadModelDatabase(config.dataDir, config.eventStore.kind);
}

/** Runs `work` on the configured store and always closes it. */
export async function withStore<T>(config: AppConfig, work: (store: EventStore) => Promise<T>): Promise<T> {
  const store = openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
