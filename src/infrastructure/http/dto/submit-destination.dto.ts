import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class SubmitDestinationDto {
  @ApiProperty({
    maxLength: 4096,
    description: 'Lightning Address or BOLT11 (a `lightning:` prefix is accepted)',
    example: 'alice@sandbox.pix-lightning.test',
  })
  @IsString()
  @MaxLength(4096)
  destination: string;
}
