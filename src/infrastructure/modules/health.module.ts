import { Module } from '@nestjs/common';
import { ReadinessService } from '../health/readiness.service';
import { HealthController } from '../http/health.controller';

@Module({
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
