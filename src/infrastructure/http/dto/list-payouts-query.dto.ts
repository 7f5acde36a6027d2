import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PAYOUT_ORDERS, PayoutOrder } from '../../../application/ports/payout-read-model.port';
import { PAYOUT_STATUSES, PayoutStatus } from '../../../domain/payout/payout-status';
import { code } from '../request-validation.pipe';
import { ToStrictInteger } from './strict-values';

const INVALID_LIMIT = { message: 'limit must be an integer from 1 to 500', ...code('invalid_limit') };
const INVALID_CURSOR = { message: 'cursor must be a nextCursor returned by this API', ...code('invalid_cursor') };

export class ListPayoutsQueryDto {
  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES as unknown as string[], {
    message: `status must be one of ${PAYOUT_STATUSES.join(', ')}`,
    ...code('invalid_status'),
  })
  status?: PayoutStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @ToStrictInteger()
  @IsInt(INVALID_LIMIT)
  @Min(1, INVALID_LIMIT)
  @Max(500, INVALID_LIMIT)
  limit: number = 50;

  /** Oldest first by default: a script that pages through every payout sees them in the order they came. */
  @ApiPropertyOptional({
    enum: PAYOUT_ORDERS,
    default: 'oldest',
    description: 'By creation time; a cursor pages on in the order it came from',
  })
  @IsOptional()
  @IsIn(PAYOUT_ORDERS as unknown as string[], { message: `order must be one of ${PAYOUT_ORDERS.join(', ')}`, ...code('invalid_order') })
  order: PayoutOrder = 'oldest';

  /** The read model decodes it and refuses what it did not write; here only its alphabet and length. */
  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9_-]{1,512}$', description: 'A nextCursor returned by this API' })
  @IsOptional()
  @IsString(INVALID_CURSOR)
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, INVALID_CURSOR)
  cursor?: string;
}
