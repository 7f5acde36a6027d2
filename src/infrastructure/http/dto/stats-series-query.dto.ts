import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { code } from '../request-validation.pipe';
import { ToStrictInteger } from './strict-values';

const INVALID_HOURS = { message: 'hours must be an integer from 1 to 168', ...code('invalid_hours') };

/** `hours` of GET /v1/admin/stats/series: 1 to 168 (a week), default 24. */
export class StatsSeriesQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 168, default: 24 })
  @IsOptional()
  @ToStrictInteger()
  @IsInt(INVALID_HOURS)
  @Min(1, INVALID_HOURS)
  @Max(168, INVALID_HOURS)
  hours: number = 24;
}
