import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsObject, IsPositive, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsInstantBetween, IsSafeInteger } from './strict-values';

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** PIX did not exist before 2020; an instant outside these bounds is a client's bug, not a payment. */
const PAID_AT_EARLIEST = new Date('2020-01-01T00:00:00Z');
const PAID_AT_LATEST = new Date('2100-01-01T00:00:00Z');

export class PixDto {
  @ApiProperty({
    pattern: '^E[A-Za-z0-9]{31}$',
    example: 'E18236120202507091200s0123456789',
    description: 'PIX end-to-end id; one order per id',
  })
  @IsString()
  @Matches(/^E[A-Za-z0-9]{31}$/, { message: "endToEndId must be 'E' followed by 31 letters or digits" })
  endToEndId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 5000, description: 'BRL cents received' })
  @IsSafeInteger()
  @IsPositive()
  amountCents: number;

  @ApiProperty({ format: 'date-time', example: '2025-07-09T12:00:00Z', description: 'With a zone; from 2020-01-01 to before 2100-01-01' })
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  // An instant without an offset would be read in the server's zone: refuse the ambiguity.
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'paidAt must carry a time zone (Z or ±hh:mm)' })
  @IsInstantBetween(PAID_AT_EARLIEST, PAID_AT_LATEST)
  paidAt: string;
}

export class CreatePayoutDto {
  @ApiProperty({ pattern: ORDER_ID_PATTERN.source, example: 'ord_123', description: 'The idempotency key' })
  @IsString()
  @Matches(ORDER_ID_PATTERN, { message: 'orderId must be 1 to 64 letters, digits, "_" or "-"' })
  orderId: string;

  @ApiProperty({ type: PixDto })
  @IsDefined()
  // ValidateNested alone accepts an array (it validates each item), and an empty one passes.
  @IsObject({ message: 'pix must be a JSON object' })
  @ValidateNested()
  @Type(() => PixDto)
  pix: PixDto;

  @ApiProperty({ type: 'integer', minimum: 1, example: 21000, description: 'At most MAX_PAYOUT_SATS' })
  @IsSafeInteger()
  @IsPositive()
  amountSats: number;

  // Absent means "no destination yet"; null or any other type is a mistake worth a 400.
  @ApiPropertyOptional({
    maxLength: 4096,
    example: 'alice@sandbox.pix-lightning.test',
    description: 'Lightning Address or BOLT11; may come later by PUT',
  })
  @ValidateIf((body: CreatePayoutDto) => body.destination !== undefined)
  @IsString()
  @MaxLength(4096)
  destination?: string;
}
