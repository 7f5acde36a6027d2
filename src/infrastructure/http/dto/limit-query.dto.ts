import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { code } from '../request-validation.pipe';
import { ToStrictInteger } from './strict-values';

const INVALID_LIMIT = { message: 'limit must be an integer from 1 to 1000', ...code('invalid_limit') };

/** `limit` of the audit lists (the global log, the digests): 1 to 1000, default 100. */
export class LimitQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @ToStrictInteger()
  @IsInt(INVALID_LIMIT)
  @Min(1, INVALID_LIMIT)
  @Max(1000, INVALID_LIMIT)
  limit: number = 100;
}
