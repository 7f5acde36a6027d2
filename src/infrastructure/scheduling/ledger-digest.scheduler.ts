import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { LedgerDigests } from '../../application/ledger-integrity/ledger-digests';
import { ID_GENERATOR, IdGenerator } from '../../application/ports/clock.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const LEDGER_DIGEST_JOB = 'ledger-digest';

/** DIGEST_CRON records a ledger digest; a tick that finds the previous one still streaming the log is skipped. */
@Injectable()
export class LedgerDigestScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(LedgerDigestScheduler.name);

  constructor(
    private readonly digests: LedgerDigests,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({
      cronTime: this.config.digestCron,
      onTick: () => this.digests.record({ correlationId: this.ids.next(), causationId: null, actor: 'system' }).then(() => undefined),
      waitForCompletion: true,
      unrefTimeout: true,
      errorHandler: (error) => this.logger.error(`Ledger digest failed: ${(error as Error).message}`),
      start: false,
    });
    this.registry.addCronJob(LEDGER_DIGEST_JOB, job);
    job.start();
    this.logger.log(`Ledger digest scheduled: "${this.config.digestCron}"`);
  }
}
