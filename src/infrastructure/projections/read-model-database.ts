import Database from 'better-sqlite3';
import { mkdirSync } from 'fs';
import { join } from 'path';

export const READ_MODELS_FILE = 'read-models.sqlite';

/**
 * Read models (and the webhook outbox) live in a SQLite file of their own,
 * whichever store holds the events: SQLite has one write lock per file, and
 * the event store's writer thread must never make this thread wait for it.
 * They can always be rebuilt from the log, so this connection trades the
 * last commits' durability (synchronous=NORMAL) for speed; the checkpoint
 * moves in the same transaction, so a lost commit is simply replayed.
 */
export function openReadModelDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, READ_MODELS_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name TEXT PRIMARY KEY,
    position TEXT NOT NULL
  )`);
  return db;
}

export const READ_MODEL_DB = Symbol('READ_MODEL_DB');
