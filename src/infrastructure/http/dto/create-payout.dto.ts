import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsObject, IsPositive, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsInstantBetween, IsSafeInteger } from './strict-values';

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** PIX did not exist before 2020; an instant outside these bounds is a client's bug, not a payment. */
export const PAID_AT_EARLIEST = new Date('2020-01-01T00:00:00Z');
export const PAID_AT_LATEST = new Date('2100-01-01T00:00:00Z');

export class PixDto {
  @IsString()
  @Matches(/^E[A-Za-z0-9]{31}$/, { message: "endToEndId must be 'E' followed by 31 letters or digits" })
  endToEndId: string;

  @IsSafeInteger()
  @IsPositive()
  amountCents: number;

  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  // An instant without an offset would be read in the server's zone: refuse the ambiguity.
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'paidAt must carry a time zone (Z or ±hh:mm)' })
  @IsInstantBetween(PAID_AT_EARLIEST, PAID_AT_LATEST)
  paidAt: string;
}

export class CreatePayoutDto {
  @IsString()
  @Matches(ORDER_ID_PATTERN, { message: 'orderId must be 1 to 64 letters, digits, "_" or "-"' })
  orderId: string;

  @IsDefined()
  // ValidateNested alone accepts an array (it validates each item), and an empty one passes.
  @IsObject({ message: 'pix must be a JSON object' })
  @ValidateNested()
  @Type(() => PixDto)
  pix: PixDto;

  @IsSafeInteger()
  @IsPositive()
  amountSats: number;

  // Absent means "no destination yet"; null or any other type is a mistake worth a 400.
  @ValidateIf((body: CreatePayoutDto) => body.destination !== undefined)
  @IsString()
  @MaxLength(4096)
  destination?: string;
}
