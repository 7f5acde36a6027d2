import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { payoutSettingsFrom } from '../config/payout-settings.factory';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { AdminStatsProjection } from '../projections/admin-stats.projection';
import { PayoutsProjection } from '../projections/payouts.projection';
import { ReadModelBuilder } from '../projections/read-model-builder';
import { UsageError } from './cli-errors';
import { cliConfig, openLiveReadModels, withStore } from './cli-store';
import { ProgressReporter, logSize } from './cli-progress-reporter';

/**
 * `ledger rebuild`: every read model from position 0, in place. Only safe
 * while no service has the file open (its follower would apply batches on
 * top of the rebuild): SQLite keeps `-wal`/`-shm` beside a database while any
 * connection has it open, so their presence means a running service — or a
 * crash that left them, which `--force` accepts once the operator checked.
 */
export function rebuildCommand(): Command {
  return new Command('rebuild')
    .description(
      'rebuild the read models (payouts, fallback view, stats) from position 0; the service must be stopped; never ' +
        'touches the webhook outbox',
    )
    .option('--force', 'rebuild although the read-model file looks open (only after checking no service runs)')
    .action(async (options: { force?: boolean }) => {
      const config = cliConfig();
      const file = join(config.dataDir, config.eventStore.kind === 'sqlite' ? SQLITE_EVENTS_FILE : 'read-models.sqlite');
      if (!options.force && (existsSync(`${file}-wal`) || existsSync(`${file}-shm`))) {
        throw new UsageError(
          `refusing to rebuild: ${file} is open by another process (is the service running? stop it first). If ` +
            `nothing has it open, a crash left its -wal/-shm files behind: pass --force`,
        );
      }
      const db = openLiveReadModels(config);
      try {
        const before = new LogCheckpoints(db).read(PROJECTIONS_CHECKPOINT).position;
        let events = 0;
        await withStore(config, async (store) => {
          const builder = new ReadModelBuilder(db, [new PayoutsProjection(payoutSettingsFrom(config)), new AdminStatsProjection()]);
          const progress = new ProgressReporter('rebuild');
          const total = await logSize(store);
          for await (const event of store.readAll()) {
            builder.add(event);
            progress.update(++events, total);
          }
          builder.finish();
          progress.done();
        });
        const after = new LogCheckpoints(db).read(PROJECTIONS_CHECKPOINT).position;
        process.stdout.write(
          `rebuilt the read models from ${events} events (checkpoint ${before ?? '(none)'} -> ${after ?? '(none)'}); ` +
            `the webhook outbox was left alone\n`,
        );
      } finally {
        db.close();
      }
    });
}
