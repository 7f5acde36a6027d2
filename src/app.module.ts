import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EventStoreModule } from './infrastructure/event-store/event-store.module';
import { HttpModule } from './infrastructure/http/http.module';
import { AdminModule } from './infrastructure/modules/admin.module';
import { AuditModule } from './infrastructure/modules/audit.module';
import { PayoutProcessModule } from './infrastructure/modules/payout-process.module';
import { CoreModule, CoreOptions } from './infrastructure/modules/core.module';
import { AdminPageModule } from './infrastructure/modules/admin-page.module';
import { HealthModule } from './infrastructure/modules/health.module';
import { MetricsModule } from './infrastructure/metrics/metrics.module';
import { PayoutsModule } from './infrastructure/modules/payouts.module';
import { PostgresModule } from './infrastructure/postgres/postgres.module';
import { ProjectionsModule } from './infrastructure/projections/projections.module';
import { WebhookModule } from './infrastructure/webhook/webhook.module';
import { ShutdownNotice } from './infrastructure/bootstrap/shutdown-notice';

@Module({})
export class AppModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        CqrsModule.forRoot(),
        PostgresModule,
        EventStoreModule,
        ProjectionsModule,
        PayoutsModule,
        PayoutProcessModule,
        AdminModule,
        AuditModule,
        HealthModule,
        WebhookModule,
        HttpModule,
        MetricsModule,
        AdminPageModule,
      ],
      providers: [ShutdownNotice],
    };
  }
}
