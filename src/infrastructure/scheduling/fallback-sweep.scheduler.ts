import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { FallbackSweeper } from '../../application/payout-process/fallback-sweeper';
import { WalletMonitor } from '../../application/wallet-monitor/wallet-monitor';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const FALLBACK_SWEEP_JOB = 'fallback-sweep';

/**
 * The scheduled saga: FALLBACK_CRON (five fields, or six with seconds) drives
 * the sweep. A tick that finds the previous sweep still running is skipped.
 * Voltz recovering (the breaker half-opening or closing) sweeps at once, so
 * the orders it held back do not wait for the next tick.
 */
@Injectable()
export class FallbackSweepScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FallbackSweepScheduler.name);
  private recoverySweep: Promise<void> | null = null;
  private sweepAgain = false;
  private stopping = false;

  constructor(
    private readonly sweeper: FallbackSweeper,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly monitor: WalletMonitor,
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
    this.monitor.onRecovery(() => this.sweepAfterRecovery());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.recoverySweep;
  }

  /** Recoveries that arrive during a recovery sweep (the trial closing the breaker) get one more sweep right after it. */
  private sweepAfterRecovery(): void {
    if (this.stopping) return;
    if (this.recoverySweep) {
      this.sweepAgain = true;
      return;
    }
    const run = async () => {
      do {
        this.sweepAgain = false;
        await this.sweeper.sweep();
      } while (this.sweepAgain && !this.stopping);
    };
    this.recoverySweep = run()
      .catch((error) => this.logger.error(`Recovery sweep failed: ${(error as Error).message}`))
      .finally(() => (this.recoverySweep = null));
  }
}
