import { Module } from '@nestjs/common';
import { RANDOM, RandomSource } from '../../application/ports/clock.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PayoutsModule } from '../modules/payouts.module';
import { WebhookService } from './webhook.service';
import { WEBHOOK_OPTIONS, webhookOptionsFrom } from './webhook.options';

/**
 * Webhook notifications to the bot. Needs the global EVENT_STORE,
 * READ_MODEL_DB, the log checkpoints and followers, APP_CONFIG and CLOCK
 * providers (EventStoreModule, ProjectionsModule, CoreModule). Not global:
 * nothing else injects it.
 */
@Module({
  imports: [PayoutsModule],
  providers: [
    {
      provide: WEBHOOK_OPTIONS,
      useFactory: (config: AppConfig, random?: RandomSource) => webhookOptionsFrom(config, random ? () => random.next() : Math.random),
      inject: [APP_CONFIG, { token: RANDOM, optional: true }],
    },
    WebhookService,
  ],
  exports: [WebhookService],
})
export class WebhookModule {}
