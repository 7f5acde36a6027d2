import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { code } from '../request-validation.pipe';
import { ToStrictInteger } from './strict-values';

const INVALID_POSITION = { message: 'after must be a position returned by this API', ...code('invalid_position') };
const INVALID_LIMIT = { message: 'limit must be an integer from 1 to 1000', ...code('invalid_limit') };

export class GlobalEventsQueryDto {
  /** Only its form is checked here: what a position looks like is the event store adapter's to say. */
  @ApiPropertyOptional({ maxLength: 64, description: 'A position returned by this API (exclusive)' })
  @IsOptional()
  @IsString(INVALID_POSITION)
  @MaxLength(64, INVALID_POSITION)
  after?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @ToStrictInteger()
  @IsInt(INVALID_LIMIT)
  @Min(1, INVALID_LIMIT)
  @Max(1000, INVALID_LIMIT)
  limit: number = 100;
}
