import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PAYOUT_SETTINGS, PayoutSettings } from '../../application/payout-settings';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { LIGHTNING_ADDRESS_RESOLVER } from '../../application/ports/lightning-address-resolver.port';
import { WALLET } from '../../application/ports/wallet.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LnurlResolver } from '../lnurl/lnurl-resolver';
import { VoltzClient } from '../voltz/voltz-client';
import { LIGHTNING_TARGET, LightningTarget, resolveLightningTarget } from './lightning-target';

/** LNURL answers are small JSON; anything bigger is refused rather than buffered. */
const LNURL_MAX_RESPONSE_BYTES = 64 * 1024;

@Module({
  providers: [
    { provide: LIGHTNING_TARGET, useFactory: resolveLightningTarget, inject: [APP_CONFIG, CLOCK] },
    {
      provide: WALLET,
      useFactory: (target: LightningTarget, config: AppConfig) =>
        new VoltzClient({ baseUrl: target.walletUrl, adminKey: target.adminKey, timeoutMs: config.voltzTimeoutMs }),
      inject: [LIGHTNING_TARGET, APP_CONFIG],
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
  exports: [WALLET, LIGHTNING_ADDRESS_RESOLVER, LIGHTNING_TARGET],
})
export class LightningModule implements OnApplicationShutdown {
  constructor(@Inject(LIGHTNING_TARGET) private readonly target: LightningTarget) {}

  async onApplicationShutdown(): Promise<void> {
    await this.target.sandbox?.close();
  }
}
