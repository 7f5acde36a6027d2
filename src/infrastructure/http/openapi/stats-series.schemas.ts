import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'StatsSeriesPoint' })
export class StatsSeriesPointSchema {
  @ApiProperty({ format: 'date-time', description: 'Start of the hour (UTC)' })
  at: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Payouts settled in the hour' })
  settled: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Their sats' })
  sats: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'HTTP 520 answers from Voltz (LNbits and Cloudflare)' })
  voltz520: number;

  @ApiProperty({
    type: Number,
    minimum: 0,
    maximum: 1,
    nullable: true,
    description: 'Share of wallet calls answered in the hour, as this instance saw them; null for an hour it saw none of',
  })
  availability: number | null;
}

@ApiSchema({ name: 'StatsSeries' })
export class StatsSeriesSchema {
  @ApiProperty({ enum: ['hour'] })
  bucket: 'hour';

  @ApiProperty({ type: [StatsSeriesPointSchema], description: 'Every hour of the window, oldest first, the current one last' })
  points: StatsSeriesPointSchema[];
}
