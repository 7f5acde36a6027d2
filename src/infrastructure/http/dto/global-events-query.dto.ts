import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class GlobalEventsQueryDto {
  @IsOptional()
  @Matches(/^[0-9][0-9/]{0,60}$/, { message: 'after must be a position returned by this API' })
  after?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}
