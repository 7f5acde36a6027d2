import { ApiProperty, ApiSchema } from '@nestjs/swagger';

const ANY_OBJECT = { type: 'object', additionalProperties: true } as const;

@ApiSchema({ name: 'AuditEvent' })
export class AuditEventSchema {
  @ApiProperty() stream: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) revision: number;
  @ApiProperty({ description: 'Global log position; pass as `after` to page' }) position: string;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'PixConfirmed' }) type: string;
  @ApiProperty(ANY_OBJECT) data: Record<string, unknown>;
  @ApiProperty({ ...ANY_OBJECT, description: 'correlationId, causationId, actor, schemaVersion' }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

@ApiSchema({ name: 'PayoutEvents' })
export class PayoutEventsSchema {
  @ApiProperty({ example: 'payout-ord_123' }) stream: string;
  @ApiProperty({ type: [AuditEventSchema] }) events: AuditEventSchema[];
}

@ApiSchema({ name: 'GlobalEvents' })
export class GlobalEventsSchema {
  @ApiProperty({ type: [AuditEventSchema] }) events: AuditEventSchema[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page; null at the end of the log' }) next:
    string | null;
}

@ApiSchema({ name: 'LedgerDigest' })
export class LedgerDigestSchema {
  @ApiProperty({ description: 'Merkle root (hex) over every stream head hash at `position`' }) root: string;
  @ApiProperty({ type: String, nullable: true, description: 'The global log position it covers (null: an empty log)' }) position:
    string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) events: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) streams: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

@ApiSchema({ name: 'LedgerDigests' })
export class LedgerDigestsSchema {
  @ApiProperty({ type: [LedgerDigestSchema], description: 'Newest first' }) digests: LedgerDigestSchema[];
}
