import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Why an admin closes a double-payment escalation; it is recorded in the event. */
export class AcknowledgePayoutDto {
  @ApiProperty({ minLength: 1, maxLength: 500, description: 'Recorded in the event' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}
