import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Why an admin closes a double-payment escalation; it is recorded in the event. */
export class AcknowledgePayoutDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;
}
