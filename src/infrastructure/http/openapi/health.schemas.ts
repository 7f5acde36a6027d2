import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType } from '@nestjs/swagger';

@ApiSchema({ name: 'Live' })
export class LiveSchema {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

@ApiSchema({ name: 'EventStoreHealth' })
export class EventStoreHealthSchema {
  @ApiProperty() reachable: boolean;
  @ApiPropertyOptional() error?: string;
}

@ApiSchema({ name: 'FollowerStatus' })
export class FollowerStatusSchema {
  @ApiProperty({ example: 'projections' }) name: string;
  @ApiProperty({ type: String, nullable: true }) position: string | null;
  @ApiProperty({ type: String, nullable: true }) head: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) behindForMs: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) retries: number;
  @ApiPropertyOptional() error?: string;
}

/** The read models' follower, as the report showed it before there were several. */
@ApiSchema({ name: 'ProjectionsHealth' })
export class ProjectionsHealthSchema extends OmitType(FollowerStatusSchema, ['name'] as const) {
  @ApiPropertyOptional({
    enum: ['held', 'standby'],
    description: 'PostgreSQL mode: this instance applies the shared projections now (held), or follows the one that does (standby)',
  })
  lease?: 'held' | 'standby';
}

/** 200 when ready; the same body with 503 when not. */
@ApiSchema({ name: 'Readiness' })
export class ReadinessSchema {
  @ApiProperty() ready: boolean;
  @ApiProperty({ type: EventStoreHealthSchema }) eventStore: EventStoreHealthSchema;
  @ApiProperty({ type: ProjectionsHealthSchema }) projections: ProjectionsHealthSchema;
  @ApiProperty({ type: [FollowerStatusSchema] }) followers: FollowerStatusSchema[];
}
