import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CancelPayoutDto {
  @ApiProperty({ minLength: 1, maxLength: 500, description: 'Recorded in the event' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}
