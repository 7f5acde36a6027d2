import Database from 'better-sqlite3';
import { mkdirSync } from 'fs';
import { join } from 'path';

/**
 * Read models live in SQLite: the events file itself in embedded mode, a
 * local file beside an EventStoreDB deployment. They can always be rebuilt
 * from the log, so this connection trades the last commits' durability
 * (synchronous=NORMAL) for speed; each follower's checkpoint moves in the
 * same transaction as its rows, so a lost commit is simply replayed.
 */
export function openReadModelDatabase(dataDir: string, eventStore: 'sqlite' | 'esdb'): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, eventStore === 'sqlite' ? 'events.sqlite' : 'read-models.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

export const READ_MODEL_DB = Symbol('READ_MODEL_DB');
