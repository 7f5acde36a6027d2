import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { PAYOUT_METRICS, PayoutMetrics } from '../../application/ports/payout-metrics.port';
import { PrometheusMetrics } from '../metrics/prometheus-metrics';
import { Roles } from './auth/roles.decorator';
import { httpError } from './http-exception.filter';

/** Prometheus text format for scrapers (METRICS_API_KEYS) and admins. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(PAYOUT_METRICS) private readonly metrics: PayoutMetrics) {}

  @Get()
  @Roles('admin', 'metrics')
  @ApiOperation({ summary: 'Prometheus text exposition format (payouts, Voltz answers, queues, lag, HTTP, process)' })
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } } })
  async scrape(@Res() response: Response): Promise<void> {
    if (!(this.metrics instanceof PrometheusMetrics))
      throw httpError(HttpStatus.NOT_FOUND, 'Metrics are off (METRICS_ENABLED=false)', 'metrics_disabled');
    response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
