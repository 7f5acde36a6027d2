import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { WalletMonitor } from '../../application/wallet-monitor/wallet-monitor';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const VOLTZ_PROBE_JOB = 'voltz-probe';

/** Probes the wallet every VOLTZ_PROBE_INTERVAL_MS, the first time at start-up so the status has an answer at once. */
@Injectable()
export class VoltzProbeScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(VoltzProbeScheduler.name);

  constructor(
    private readonly monitor: WalletMonitor,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = setInterval(() => void this.monitor.probe(), this.config.voltzProbeIntervalMs);
    interval.unref();
    this.registry.addInterval(VOLTZ_PROBE_JOB, interval);
    void this.monitor.probe();
    this.logger.log(
      `Voltz probe every ${this.config.voltzProbeIntervalMs} ms; breaker opens after ${this.config.voltzBreakerThreshold} unknown POSTs`,
    );
  }

  /** The breaker's last transitions reach the store before it closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.monitor.flush();
  }
}
