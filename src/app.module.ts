import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventStoreModule } from './infrastructure/event-store/event-store.module';
import { ApplicationErrorFilter } from './infrastructure/http/application-error.filter';
import { ApiKeyGuard } from './infrastructure/http/auth/api-key.guard';
import { AdminModule } from './infrastructure/modules/admin.module';
import { AuditModule } from './infrastructure/modules/audit.module';
import { PayoutProcessModule } from './infrastructure/modules/payout-process.module';
import { CoreModule, CoreOptions } from './infrastructure/modules/core.module';
import { HealthModule } from './infrastructure/modules/health.module';
import { PayoutsModule } from './infrastructure/modules/payouts.module';
import { ProjectionsModule } from './infrastructure/projections/projections.module';
import { WebhookModule } from './infrastructure/webhook/webhook.module';

@Module({})
export class AppModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        CqrsModule.forRoot(),
        EventStoreModule,
        ProjectionsModule,
        PayoutsModule,
        PayoutProcessModule,
        AdminModule,
        AuditModule,
        HealthModule,
        WebhookModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ApplicationErrorFilter },
        // whitelist strips fields the bot may add later; forbidding them would break it on every addition.
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, transform: true, stopAtFirstError: false }) },
      ],
    };
  }
}
