import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsInt, IsOptional, IsPositive, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class PixDto {
  @IsString()
  @Matches(/^E[A-Za-z0-9]{31}$/, { message: "endToEndId must be 'E' followed by 31 letters or digits" })
  endToEndId: string;

  @IsInt()
  @IsPositive()
  amountCents: number;

  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  // An instant without an offset would be read in the server's zone: refuse the ambiguity.
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'paidAt must carry a time zone (Z or ±hh:mm)' })
  paidAt: string;
}

export class CreatePayoutDto {
  @IsString()
  @Matches(ORDER_ID_PATTERN, { message: 'orderId must be 1 to 64 letters, digits, "_" or "-"' })
  orderId: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => PixDto)
  pix: PixDto;

  @IsInt()
  @IsPositive()
  amountSats: number;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  destination?: string;
}
