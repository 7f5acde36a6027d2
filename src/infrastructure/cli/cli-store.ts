import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { EventStore } from '../../application/ports/event-store.port';
import { AppConfig } from '../config/app-config';
import { InvalidConfigurationError, loadConfig } from '../config/load-config';
import { EsdbEventStore } from '../event-store/esdb-event-store';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { PostgresEventStore } from '../event-store/postgres-event-store';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { Projection } from '../projections/projection';
import { openReadModelDatabase } from '../projections/read-model-database';
import { SystemClock } from '../system/system-clock';
import { UsageError } from './cli-errors';
import { copyLiveReadModels, openLedgerDatabase } from './postgres-ledger';

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

/** 'read' (every audit) never writes to the file it reads; only `reconcile --record` and `rebuild`'s read models write. */
export type StoreAccess = 'read' | 'write';

/** The configured store for one run, and the PostgreSQL pool behind it (null in the other modes). */
interface LedgerStore {
  store: EventStore;
  pool: Pool | null;
}

/**
 * The configured store, opened for an audit: a SQLite store must already
 * exist and hold something (a missing or empty file is no ledger, and must
 * not "verify" as an empty one), and a PostgreSQL database must hold a ledger.
 */
async function openStore(config: AppConfig, access: StoreAccess): Promise<LedgerStore> {
  const clock = new SystemClock();
  switch (config.eventStore.kind) {
    case 'esdb':
      return { store: new EsdbEventStore({ connectionString: config.eventStore.connectionString, clock }), pool: null };
    case 'postgres': {
      const pool = await openLedgerDatabase(config.eventStore.url);
      // A one-off run follows nothing live: no LISTEN connection.
      return { store: new PostgresEventStore({ pool, url: config.eventStore.url, clock, notifications: false }), pool };
    }
    default: {
      const filename = existingStoreFile(join(config.dataDir, SQLITE_EVENTS_FILE));
      return { store: new SqliteEventStore({ filename, clock, readonly: access === 'read' }), pool: null };
    }
  }
}

/** Runs `work` on the configured store and always closes it. */
export async function withStore<T>(
  config: AppConfig,
  work: (store: EventStore, pool: Pool | null) => Promise<T>,
  access: StoreAccess = 'read',
): Promise<T> {
  const { store, pool } = await openStore(config, access);
  try {
    return await work(store, pool);
  } finally {
    await store.close();
    await pool?.end();
  }
}

/** The live read models, and how to let go of them. */
export interface LiveReadModels {
  db: Database.Database;
  close(): void;
}

/**
 * The live read models as SQLite: the events file itself with SQLite,
 * `read-models.sqlite` beside EventStoreDB, and with PostgreSQL a snapshot
 * copy of the shared tables at their checkpoint (the rebuild there has its own path).
 */
export async function openLiveReadModels(
  config: AppConfig,
  pool: Pool | null,
  projections: readonly Projection[],
  access: StoreAccess = 'read',
): Promise<LiveReadModels> {
  if (config.eventStore.kind === 'postgres') {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-live-'));
    try {
      const db = await copyLiveReadModels(pool!, projections, join(dir, 'live.sqlite'));
      return { db, close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const filename = existingStoreFile(join(config.dataDir, config.eventStore.kind === 'sqlite' ? SQLITE_EVENTS_FILE : 'read-models.sqlite'));
  const db =
    access === 'read'
      ? new Database(filename, { readonly: true, fileMustExist: true })
      : openReadModelDatabase(config.dataDir, config.eventStore.kind);
  return { db, close: () => db.close() };
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
