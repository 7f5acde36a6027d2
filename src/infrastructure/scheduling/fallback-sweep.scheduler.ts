import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { FallbackSweeper } from '../../application/payout-process/fallback-sweeper';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const FALLBACK_SWEEP_JOB = 'fallback-sweep';

/**
 * The scheduled saga: FALLBACK_CRON (five fields, or six with seconds) drives
 * the sweep. A tick that finds the previous sweep still running is skipped.
 */
@Injectable()
export class FallbackSweepScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(FallbackSweepScheduler.name);

  constructor(
    private readonly sweeper: FallbackSweeper,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({
      cronTime: this.config.fallbackCron,
      onTick: () => this.sweeper.sweep().then(() => undefined),
      waitForCompletion: true,
      unrefTimeout: true,
      errorHandler: (error) => this.logger.error(`Fallback sweep failed: ${(error as Error).message}`),
      start: false,
    });
    this.registry.addCronJob(FALLBACK_SWEEP_JOB, job);
    job.start();
    this.logger.log(`Fallback sweep scheduled: "${this.config.fallbackCron}"`);
  }
}
