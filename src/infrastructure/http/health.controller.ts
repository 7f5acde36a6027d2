import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ReadinessService } from '../health/readiness.service';

/** No key needed: load balancers and orchestrators probe these. */
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<object> {
    const report = await this.readiness.check();
    if (!report.ready) throw new ServiceUnavailableException(report);
    return report;
  }
}
