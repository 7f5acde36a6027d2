import { IsString, MaxLength } from 'class-validator';

export class SubmitDestinationDto {
  @IsString()
  @MaxLength(4096)
  destination: string;
}
