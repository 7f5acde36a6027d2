import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PAYOUT_STATUSES, PayoutStatus } from '../../../domain/payout/payout-status';

@ApiSchema({ name: 'FallbackQueueItem' })
export class FallbackQueueItemSchema {
  @ApiProperty()
  orderId: string;

  @ApiProperty({ enum: PAYOUT_STATUSES })
  status: PayoutStatus;

  @ApiProperty({ type: 'integer', minimum: 0 })
  attempts: number;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ format: 'date-time' })
  queuedAt: string;

  @ApiProperty({ format: 'date-time' })
  nextAttemptAt: string;
}

@ApiSchema({ name: 'FallbackQueue' })
export class FallbackQueueSchema {
  @ApiProperty({ type: [FallbackQueueItemSchema] })
  items: FallbackQueueItemSchema[];
}

@ApiSchema({ name: 'SweepSummary' })
export class SweepSummarySchema {
  @ApiProperty({ type: 'integer', minimum: 0 }) examined: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) settled: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) retried: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) stillPending: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) escalated: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: "Ended waiting for the customer's new destination (FAILED)" })
  failed: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Cancelled meanwhile' }) cancelled: number;
}

@ApiSchema({ name: 'WalletSample' })
export class WalletSampleSchema {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['probe', 'pay', 'status'] }) kind: string;
  @ApiProperty({ description: 'false: nothing could be concluded (520/524, other 5xx, timeout, reset)' }) ok: boolean;
  @ApiProperty({ type: 'integer', minimum: 0 }) latencyMs: number;
  @ApiProperty() detail: string;
}

@ApiSchema({ name: 'WalletFunding' })
export class WalletFundingSchema {
  @ApiProperty({ type: 'integer', nullable: true, description: "The last probe's balance (msat); null before the first probe" })
  balanceMsat: number | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'What the open payouts need: amounts plus the fee reserve (msat)' })
  neededMsat: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the balance was read (the last probe that answered)',
  })
  balanceAt: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'WALLET_LOW_BALANCE_SATS' }) lowBalanceSats: number;
  @ApiProperty({ description: 'Below WALLET_LOW_BALANCE_SATS, or a payout waits for sats' }) low: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'Since when a payout waits for sats' }) shortSince: string | null;
}

@ApiSchema({ name: 'VoltzStatus' })
export class VoltzStatusSchema {
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) breaker: string;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) consecutiveUnknownPosts: number;
  @ApiProperty({ minimum: 0, maximum: 1 }) availabilityLastHour: number;
  @ApiProperty({ type: [WalletSampleSchema] }) recent: WalletSampleSchema[];
  @ApiProperty({ type: WalletFundingSchema }) wallet: WalletFundingSchema;
}

@ApiSchema({ name: 'DiagnosticCheck' })
export class DiagnosticCheckSchema {
  @ApiProperty({ enum: ['dns', 'tcp', 'tls', 'wallet', 'pay_permission'] }) name: string;
  @ApiProperty() ok: boolean;
  @ApiProperty({ minimum: 0 }) ms: number;
  @ApiProperty() detail: string;
}

@ApiSchema({ name: 'VoltzDiagnostics' })
export class VoltzDiagnosticsSchema {
  @ApiProperty({ enum: ['ok', 'degraded', 'down', 'misconfigured'] }) verdict: string;
  @ApiProperty({ description: 'The wallet URL without credentials, query or fragment' }) target: string;
  @ApiProperty({ type: [DiagnosticCheckSchema] }) checks: DiagnosticCheckSchema[];
}

@ApiSchema({ name: 'SettledTotals' })
export class SettledTotalsSchema {
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) sats: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) feeMsat: number;
}

@ApiSchema({ name: 'SettledStats' })
export class SettledStatsSchema {
  @ApiProperty({ type: SettledTotalsSchema }) last24h: SettledTotalsSchema;
  @ApiProperty({ type: SettledTotalsSchema }) total: SettledTotalsSchema;
}

@ApiSchema({ name: 'FallbackQueueStats' })
export class FallbackQueueStatsSchema {
  @ApiProperty({ type: 'integer', minimum: 0 }) depth: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) oldestQueuedAt: string | null;
}

@ApiSchema({ name: 'Voltz520Counts' })
export class Voltz520CountsSchema {
  @ApiProperty({ type: 'integer', minimum: 0 }) lnbits: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) cloudflare: number;
}

@ApiSchema({ name: 'AdminStats' })
export class AdminStatsSchema {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    description: `Payouts per status (${PAYOUT_STATUSES.join(', ')}); a status no payout is in may be absent`,
  })
  byStatus: Record<string, number>;
  @ApiProperty({ type: SettledStatsSchema }) settled: SettledStatsSchema;
  @ApiProperty({ type: FallbackQueueStatsSchema }) fallbackQueue: FallbackQueueStatsSchema;
  @ApiProperty({ type: Voltz520CountsSchema }) voltz520Last24h: Voltz520CountsSchema;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How long the read models have trailed the log' }) projectionLagMs: number;
  @ApiProperty({ type: WalletFundingSchema }) wallet: WalletFundingSchema;
}

@ApiSchema({ name: 'Discrepancy' })
export class DiscrepancySchema {
  @ApiProperty({ enum: ['paid_not_settled', 'settled_not_paid', 'paid_twice', 'amount_mismatch', 'unknown_wallet_payment'] }) kind: string;
  @ApiProperty({ type: String, nullable: true }) orderId: string | null;
  @ApiProperty() paymentHash: string;
  @ApiProperty() detail: string;
}

@ApiSchema({ name: 'ReconciliationReport' })
export class ReconciliationReportSchema {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ format: 'date-time' }) finishedAt: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) walletPayments: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) ledgerSettled: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) matched: number;
  @ApiProperty({ type: [DiscrepancySchema] }) discrepancies: DiscrepancySchema[];
}
