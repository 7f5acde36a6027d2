import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ReadinessService } from '../health/readiness.service';
import { LiveSchema, ReadinessSchema } from './openapi/health.schemas';

/** No key needed: load balancers and orchestrators probe these. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @ApiOperation({ summary: 'The process answers' })
  @ApiOkResponse({ type: LiveSchema })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Event store reachable and log followers caught up' })
  @ApiOkResponse({ type: ReadinessSchema })
  @ApiServiceUnavailableResponse({ type: ReadinessSchema, description: 'Not ready: the same report' })
  async ready(): Promise<object> {
    const report = await this.readiness.check();
    if (!report.ready) throw new ServiceUnavailableException(report);
    return report;
  }
}
