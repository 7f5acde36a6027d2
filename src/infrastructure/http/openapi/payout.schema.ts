import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PAYOUT_STATUSES, PayoutStatus } from '../../../domain/payout/payout-status';

const NULLABLE_STRING = { type: String, nullable: true } as const;

@ApiSchema({ name: 'DoublePayment' })
export class DoublePaymentSchema {
  @ApiProperty({ type: [String], description: 'Every paid hash of the order, the settled one first' })
  paymentHashes: string[];

  @ApiProperty({ format: 'date-time' })
  detectedAt: string;

  @ApiProperty({ ...NULLABLE_STRING, format: 'date-time' })
  acknowledgedAt: string | null;

  @ApiProperty(NULLABLE_STRING)
  acknowledgeReason: string | null;
}

/** The Payout resource (the application's PayoutView) as OpenAPI describes it. */
@ApiSchema({ name: 'Payout' })
export class PayoutSchema {
  @ApiProperty({ example: 'ord_123', pattern: '^[A-Za-z0-9_-]{1,64}$' })
  orderId: string;

  @ApiProperty({ enum: PAYOUT_STATUSES })
  status: PayoutStatus;

  @ApiProperty({ type: 'integer', minimum: 1 })
  amountSats: number;

  @ApiProperty({ type: 'integer', minimum: 1 })
  amountCents: number;

  @ApiProperty({ example: 'E18236120202507091200s0123456789' })
  endToEndId: string;

  @ApiProperty({ ...NULLABLE_STRING, description: 'Lightning Address or BOLT11' })
  destination: string | null;

  @ApiProperty({ ...NULLABLE_STRING, description: 'hex; the settled hash, else the latest attempted' })
  paymentHash: string | null;

  @ApiProperty({ ...NULLABLE_STRING, description: 'hex, once settled' })
  preimage: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'What the wallet charged' })
  feeMsat: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  attempts: number;

  @ApiProperty({ ...NULLABLE_STRING, description: 'Set whenever status is FAILED, RETRY_QUEUED or NEEDS_ATTENTION' })
  lastError: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ ...NULLABLE_STRING, format: 'date-time' })
  settledAt: string | null;

  @ApiProperty({ type: DoublePaymentSchema, nullable: true, description: 'Set when the wallet paid more than one hash of this order' })
  doublePayment: DoublePaymentSchema | null;
}

@ApiSchema({ name: 'PayoutList' })
export class PayoutListSchema {
  @ApiProperty({ type: [PayoutSchema] })
  items: PayoutSchema[];

  @ApiProperty({ ...NULLABLE_STRING, description: 'Pass as `cursor` for the next page; null at the end' })
  nextCursor: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many payouts match the status filter (all pages together)' })
  total: number;
}
