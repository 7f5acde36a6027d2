import Database from 'better-sqlite3';

/**
 * Where each log follower stands, in the read-model database beside what it
 * writes. A row with a NULL position means "from the start of the log"; no
 * row means the follower never started on this database.
 */
export class LogCheckpoints {
  private readonly statements: {
    read: Database.Statement<[string], { position: string | null }>;
    init: Database.Statement<[string, string | null]>;
    write: Database.Statement<[string, string]>;
    remove: Database.Statement<[string]>;
  };

  constructor(db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS log_checkpoints (name TEXT PRIMARY KEY, position TEXT)');
    this.statements = {
      read: db.prepare('SELECT position FROM log_checkpoints WHERE name = ?'),
      init: db.prepare('INSERT OR IGNORE INTO log_checkpoints (name, position) VALUES (?, ?)'),
      write: db.prepare(
        'INSERT INTO log_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
      ),
      remove: db.prepare('DELETE FROM log_checkpoints WHERE name = ?'),
    };
  }

  read(name: string): { exists: boolean; position: string | null } {
    const row = this.statements.read.get(name);
    return row === undefined ? { exists: false, position: null } : { exists: true, position: row.position };
  }

  /** Records a first position unless another process (sharing the file) did first; answers the stored one. */
  init(name: string, position: string | null): string | null {
    this.statements.init.run(name, position);
    return this.read(name).position;
  }

  write(name: string, position: string): void {
    this.statements.write.run(name, position);
  }

  remove(name: string): void {
    this.statements.remove.run(name);
  }
}

/** Checkpoint names of the two followers every instance runs: the projections and the webhook outbox's feeder. */
export const PROJECTIONS_CHECKPOINT = 'projections';
export const WEBHOOKS_CHECKPOINT = 'webhooks';
