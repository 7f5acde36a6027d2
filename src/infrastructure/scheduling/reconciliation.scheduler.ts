import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { RunReconciliationCommand } from '../../application/admin/commands/run-reconciliation.command';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const RECONCILIATION_JOB = 'reconciliation';

/** RECONCILE_CRON drives the recorded reconciliation (docs/architecture.md, rule 9); a tick finding the last run still going is skipped. */
@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReconciliationScheduler.name);

  constructor(
    private readonly commands: CommandBus,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({
      cronTime: this.config.reconcileCron,
      onTick: () => this.commands.execute(new RunReconciliationCommand('system')).then(() => undefined),
      waitForCompletion: true,
      unrefTimeout: true,
      errorHandler: (error) => this.logger.error(`Reconciliation failed: ${(error as Error).message}`),
      start: false,
    });
    this.registry.addCronJob(RECONCILIATION_JOB, job);
    job.start();
    this.logger.log(`Reconciliation scheduled: "${this.config.reconcileCron}"`);
  }
}
