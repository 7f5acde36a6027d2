import { Module } from '@nestjs/common';
import { ReadinessService } from '../health/readiness.service';
import { SqliteIntegrityCheck } from '../health/sqlite-integrity-check';
import { HealthController } from '../http/health.controller';

@Module({
  controllers: [HealthController],
  providers: [ReadinessService, SqliteIntegrityCheck],
})
export class HealthModule {}
