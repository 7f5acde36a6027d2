import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { payoutSettingsFrom } from '../config/payout-settings.factory';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { AdminStatsProjection } from '../projections/admin-stats.projection';
import { PayoutsProjection } from '../projections/payouts.projection';
import { ReadModelBuilder } from '../projections/read-model-builder';
import { UsageError } from './cli-errors';
import { EventStore, StoredEvent } from '../../application/ports/event-store.port';
import { AppConfig } from '../config/app-config';
import { PostgresAdminStatsProjection } from '../projections/postgres-admin-stats.projection';
import { PostgresPayoutsProjection } from '../projections/postgres-payouts.projection';
import { PostgresReadModelBuilder } from '../projections/postgres-read-model-builder';
import { cliConfig, openLiveReadModels, withStore } from './cli-store';
import { ProgressReporter, logSize } from './cli-progress-reporter';

/**
 * `ledger rebuild`: every read model from position 0, in place. Only safe
 * while no service has the file open (its follower would apply batches on
 * top of the rebuild): a service's writes sit in the `-wal` beside the
 * database until its last connection closes, so a `-wal` holding frames means
 * a running service — or a crash that left it, which `--force` accepts once
 * the operator checked. An empty `-wal` is what a read-only audit (verify,
 * replay, export) leaves: it cannot remove the reader files it needed.
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
      if (config.eventStore.kind === 'postgres') return rebuildInPostgres(config);
      const file = join(config.dataDir, config.eventStore.kind === 'sqlite' ? SQLITE_EVENTS_FILE : 'read-models.sqlite');
      if (!options.force && sizeOf(`${file}-wal`) > 0) {
        throw new UsageError(
          `refusing to rebuild: ${file} is open by another process (is the service running? stop it first). If ` +
            `nothing has it open, a crash left its -wal/-shm files behind: pass --force`,
        );
      }
      const projections = [new PayoutsProjection(payoutSettingsFrom(config)), new AdminStatsProjection()];
      const live = await openLiveReadModels(config, null, projections, 'write');
      try {
        const before = new LogCheckpoints(live.db).read(PROJECTIONS_CHECKPOINT).position;
        const events = await withStore(config, async (store) => {
          const builder = new ReadModelBuilder(live.db, projections);
          return replayInto(
            store,
            (event) => builder.add(event),
            () => builder.finish(),
          );
        });
        const after = new LogCheckpoints(live.db).read(PROJECTIONS_CHECKPOINT).position;
        report(events, before, after);
      } finally {
        live.close();
      }
    });
}

/**
 * In PostgreSQL the rebuild runs beside the services: one transaction holds
 * the projections' checkpoint row, so the instance applying projections
 * waits, then finds the checkpoint at or past its own and goes on.
 */
async function rebuildInPostgres(config: AppConfig): Promise<void> {
  await withStore(config, async (store, pool) => {
    const settings = payoutSettingsFrom(config);
    const builder = await PostgresReadModelBuilder.open(pool!, [
      new PostgresPayoutsProjection(settings),
      new PostgresAdminStatsProjection(),
    ]);
    try {
      const events = await replayInto(
        store,
        (event) => builder.add(event),
        () => builder.finish(),
      );
      report(events, null, builder.checkpoint);
    } catch (error) {
      await builder.abort();
      throw error;
    }
  });
}

/** Feeds the whole log to a builder with progress on stderr; answers how many events it read. */
async function replayInto(store: EventStore, add: (event: StoredEvent) => unknown, finish: () => unknown): Promise<number> {
  let events = 0;
  const progress = new ProgressReporter('rebuild');
  const total = await logSize(store);
  for await (const event of store.readAll()) {
    await add(event);
    progress.update(++events, total);
  }
  await finish();
  progress.done();
  return events;
}

function report(events: number, before: string | null, after: string | null): void {
  process.stdout.write(
    `rebuilt the read models from ${events} events (checkpoint ${before ?? '(none)'} -> ${after ?? '(none)'}); ` +
      `the webhook outbox was left alone\n`,
  );
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
