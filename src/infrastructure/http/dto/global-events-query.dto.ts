import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { code } from '../request-validation.pipe';
import { LimitQueryDto } from './limit-query.dto';

const INVALID_POSITION = { message: 'after must be a position returned by this API', ...code('invalid_position') };

export class GlobalEventsQueryDto extends LimitQueryDto {
  /** Only its form is checked here: what a position looks like is the event store adapter's to say. */
  @ApiPropertyOptional({ maxLength: 64, description: 'A position returned by this API (exclusive)' })
  @IsOptional()
  @IsString(INVALID_POSITION)
  @MaxLength(64, INVALID_POSITION)
  after?: string;
}
