import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../application/payout-settings';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../../application/ports/clock.port';
import { LIGHTNING_ADDRESS_RESOLVER } from '../../application/ports/lightning-address-resolver.port';
import { PAYMENT_GATE, WALLET, WalletPort } from '../../application/ports/wallet.port';
import { PAYOUT_METRICS, PayoutMetrics } from '../../application/ports/payout-metrics.port';
import { ObservedWallet } from '../../application/wallet-monitor/observed-wallet';
import {
  PROBED_WALLET,
  WALLET_MONITOR_OPTIONS,
  WalletMonitor,
  WalletMonitorOptions,
} from '../../application/wallet-monitor/wallet-monitor';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LnurlResolver } from '../lnurl/lnurl-resolver';
import { VoltzProbeScheduler } from '../scheduling/voltz-probe.scheduler';
import { VoltzClient } from '../voltz/voltz-client';
import { LIGHTNING_TARGET, LightningTarget, resolveLightningTarget } from './lightning-target';
import { PrometheusMetrics } from '../metrics/prometheus-metrics';
import { registerWalletGauges } from '../metrics/wallet-gauges';
import { IN_FLIGHT_SLACK_MS } from '../../domain/payout/payout-workflow';

/** Whether /metrics carries the wallet's balance gauges. */
const WALLET_GAUGES = Symbol('WALLET_GAUGES');

/** LNURL answers are small JSON; anything bigger is refused rather than buffered. */
const LNURL_MAX_RESPONSE_BYTES = 64 * 1024;

@Module({
  providers: [
    { provide: LIGHTNING_TARGET, useFactory: resolveLightningTarget, inject: [APP_CONFIG, CLOCK] },
    {
      provide: PROBED_WALLET,
      useFactory: (target: LightningTarget, config: AppConfig) =>
        new VoltzClient({ baseUrl: target.walletUrl, adminKey: target.adminKey, timeoutMs: config.voltzTimeoutMs }),
      inject: [LIGHTNING_TARGET, APP_CONFIG],
    },
    {
      provide: WALLET_MONITOR_OPTIONS,
      useFactory: (config: AppConfig, ids: IdGenerator): WalletMonitorOptions => ({
        threshold: config.voltzBreakerThreshold,
        // A permitted payment whose POST never answered holds its sats back as long as its claim may still be in a worker's hands.
        inFlightTimeoutMs: config.voltzTimeoutMs + IN_FLIGHT_SLACK_MS,
        instanceId: ids.next(),
        lowBalanceSats: config.walletLowBalanceSats,
      }),
      inject: [APP_CONFIG, ID_GENERATOR],
    },
    WalletMonitor,
    VoltzProbeScheduler,
    {
      provide: WALLET,
      useFactory: (wallet: WalletPort, monitor: WalletMonitor, clock: Clock, metrics: PayoutMetrics) =>
        new ObservedWallet(wallet, monitor, clock, metrics),
      inject: [PROBED_WALLET, WalletMonitor, CLOCK, PAYOUT_METRICS],
    },
    { provide: PAYMENT_GATE, useExisting: WalletMonitor },
    {
      // The balance gauges of /metrics read the monitor when scraped (nothing is registered with metrics off).
      provide: WALLET_GAUGES,
      useFactory: (metrics: PayoutMetrics, monitor: WalletMonitor) => {
        if (metrics instanceof PrometheusMetrics)
          registerWalletGauges(
            metrics.registry,
            () => monitor.walletBalance(),
            () => monitor.status().breaker,
          );
        return metrics instanceof PrometheusMetrics;
      },
      inject: [PAYOUT_METRICS, WalletMonitor],
    },
    {
      provide: LIGHTNING_ADDRESS_RESOLVER,
      useFactory: (target: LightningTarget, config: AppConfig, settings: PayoutSettings, clock: Clock) =>
        new LnurlResolver({
          network: config.network,
          timeoutMs: config.lnurlTimeoutMs,
          maxResponseBytes: LNURL_MAX_RESPONSE_BYTES,
          hostOverrides: target.hostOverrides,
          minRemainingSeconds: Math.ceil(settings.invoiceMarginMs / 1000),
          clock,
        }),
      inject: [LIGHTNING_TARGET, APP_CONFIG, PAYOUT_SETTINGS, CLOCK],
    },
  ],
  exports: [WALLET, PAYMENT_GATE, WalletMonitor, LIGHTNING_ADDRESS_RESOLVER, LIGHTNING_TARGET],
})
export class LightningModule implements OnApplicationShutdown {
  constructor(@Inject(LIGHTNING_TARGET) private readonly target: LightningTarget) {}

  async onApplicationShutdown(): Promise<void> {
    await this.target.sandbox?.close();
  }
}
