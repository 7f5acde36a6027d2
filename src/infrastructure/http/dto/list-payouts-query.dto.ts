import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAYOUT_STATUSES, PayoutStatus } from '../../../domain/payout/payout-status';

export class ListPayoutsQueryDto {
  @IsOptional()
  @IsIn(PAYOUT_STATUSES as unknown as string[], { message: `status must be one of ${PAYOUT_STATUSES.join(', ')}` })
  status?: PayoutStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
