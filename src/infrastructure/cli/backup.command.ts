import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { EXIT_OK, UsageError } from './cli-errors';
import { cliConfig } from './cli-store';
import { ProgressReporter } from './cli-progress-reporter';

/** Once a step was restarted by a writer, the rest is copied in one step: a burst cannot keep the copy from finishing. */
const ALL_REMAINING_PAGES = 2 ** 30;

/**
 * `ledger backup <file>`: a consistent copy of the SQLite store (events and
 * read models, one file) while the service runs, by SQLite's online backup
 * API. PostgreSQL and EventStoreDB keep their events elsewhere: back them up
 * with their own tools (docs/operations.md, "Backups").
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description('copy the SQLite store consistently while the service runs (SQLite online backup)')
    .argument('<file>', 'the copy to write (must not exist); name it events.sqlite in its own directory to verify it with DATA_DIR')
    .action(async (file: string) => {
      const config = cliConfig();
      if (config.eventStore.kind !== 'sqlite')
        throw new UsageError(`backup copies SQLite stores only; with EVENT_STORE=${config.eventStore.kind} use the database's own backups`);
      const source = join(config.dataDir, SQLITE_EVENTS_FILE);
      if (!existsSync(source)) throw new UsageError(`no store at ${source} (set DATA_DIR to the directory holding it)`);
      if (existsSync(file)) throw new UsageError(`${file} exists: refusing to overwrite it`);
      const db = new Database(source, { readonly: true, fileMustExist: true });
      const progress = new ProgressReporter('backup: pages');
      try {
        const { totalPages } = await db.backup(file, {
          progress: ({ totalPages: total, remainingPages }) => {
            progress.update(total - remainingPages, total);
            return ALL_REMAINING_PAGES;
          },
        });
        progress.done();
        process.stdout.write(`backup of ${source} written to ${file} (${totalPages} pages)\n`);
      } finally {
        db.close();
      }
      process.exitCode = EXIT_OK;
    });
}
