import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CancelPayoutDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}
