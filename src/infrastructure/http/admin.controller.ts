import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RetryPayoutCommand } from '../../application/admin/commands/retry-payout.command';
import { RunReconciliationCommand } from '../../application/admin/commands/run-reconciliation.command';
import { RecordLedgerDigestCommand } from '../../application/admin/commands/record-ledger-digest.command';
import { RunSweepCommand } from '../../application/admin/commands/run-sweep.command';
import { GetFallbackQueueQuery } from '../../application/admin/queries/get-fallback-queue.query';
import { GetReconciliationQuery } from '../../application/admin/queries/get-reconciliation.query';
import { AdminStatsView, GetStatsQuery } from '../../application/admin/queries/get-stats.query';
import { GetStatsSeriesQuery, StatsSeries } from '../../application/admin/queries/get-stats-series.query';
import { GetWalletStatusQuery, WalletStatusView } from '../../application/admin/queries/get-wallet-status.query';
import { ListPayoutsQuery } from '../../application/admin/queries/list-payouts.query';
import { SweepSummary } from '../../application/ports/payout-metrics.port';
import { FallbackQueueItem } from '../../application/ports/fallback-queue.port';
import { PayoutListPage } from '../../application/ports/payout-read-model.port';
import { PayoutRequests } from '../../application/payouts/payout-requests';
import { PayoutView } from '../../domain/payout/payout-view';
import { ReconciliationReport } from '../../domain/reconciliation/reconciliation-events';
import { LedgerDigest } from '../../domain/ledger/ledger-digest';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LIGHTNING_TARGET, LightningTarget } from '../lightning/lightning-target';
import { VoltzDiagnostics, runVoltzDiagnostics } from '../voltz/voltz-diagnostics';
import { AuthenticatedRequest } from './auth/api-key.guard';
import { Roles } from './auth/roles.decorator';
import { commandContextFrom } from './command-context.factory';
import { AcknowledgePayoutDto } from './dto/acknowledge-payout.dto';
import { CancelPayoutDto } from './dto/cancel-payout.dto';
import { ListPayoutsQueryDto } from './dto/list-payouts-query.dto';
import { StatsSeriesQueryDto } from './dto/stats-series-query.dto';
import { StatsSeriesSchema } from './openapi/stats-series.schemas';
import {
  AdminStatsSchema,
  FallbackQueueSchema,
  ReconciliationReportSchema,
  SweepSummarySchema,
  VoltzDiagnosticsSchema,
  VoltzStatusSchema,
} from './openapi/admin.schemas';
import { ApiErrors } from './openapi/api-errors.decorator';
import { LedgerDigestSchema } from './openapi/audit.schemas';
import { PayoutListSchema, PayoutSchema } from './openapi/payout.schema';
import { OrderIdPipe } from './order-id.pipe';

/** The fallback view holds at most what the sweep can work through; the admin page shows all of it. */
const FALLBACK_QUEUE_PAGE = 10_000;

@ApiTags('admin')
@Controller('v1/admin')
@Roles('admin')
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly requests: PayoutRequests,
    private readonly queries: QueryBus,
    @Inject(LIGHTNING_TARGET) private readonly lightning: LightningTarget,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('fallback-queue')
  @ApiOperation({ summary: 'Orders the sweep will revisit, soonest due first' })
  @ApiOkResponse({ type: FallbackQueueSchema })
  fallbackQueue(): Promise<{ items: FallbackQueueItem[] }> {
    return this.queries.execute(new GetFallbackQueueQuery(FALLBACK_QUEUE_PAGE));
  }

  @Get('payouts')
  @ApiOperation({ summary: 'Payouts, oldest or newest first, optionally by status, with their total; paged by cursor' })
  @ApiOkResponse({ type: PayoutListSchema })
  @ApiErrors({ 400: '`invalid_status`, `invalid_limit`, `invalid_cursor`, `invalid_order`, `unknown_query_parameter`' })
  payouts(@Query() query: ListPayoutsQueryDto): Promise<PayoutListPage> {
    return this.queries.execute(new ListPayoutsQuery(query.status, query.limit, query.cursor ?? null, query.order));
  }

  @Post('payouts/:orderId/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Revisit this order now', description: 'Clears an escalation, except a double payment.' })
  @ApiAcceptedResponse({ type: PayoutSchema })
  @ApiErrors({
    400: '`invalid_order_id`',
    404: 'Unknown order',
    409: '`nothing_to_retry`: the payout waits for the bot (AWAITING_DESTINATION, FAILED) or is final (SETTLED, CANCELLED)',
  })
  retry(@Param('orderId', OrderIdPipe) orderId: string, @Req() request: AuthenticatedRequest): Promise<PayoutView> {
    return this.commands.execute(new RetryPayoutCommand(orderId, commandContextFrom(request)));
  }

  @Post('payouts/:orderId/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a payout, with a reason' })
  @ApiOkResponse({ type: PayoutSchema })
  @ApiErrors({ 400: 'Invalid body or orderId', 404: 'Unknown order', 409: 'Settled, or an outcome is still unknown' })
  async cancel(
    @Param('orderId', OrderIdPipe) orderId: string,
    @Body() body: CancelPayoutDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<PayoutView> {
    return (await this.requests.decide(orderId, { type: 'CancelPayout', data: { reason: body.reason } }, commandContextFrom(request)))
      .payout;
  }

  /** Closes a double-payment escalation (recorded as an event, with the admin's reason); 409 when there is none. */
  @Post('payouts/:orderId/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a double-payment escalation, with a reason' })
  @ApiOkResponse({ type: PayoutSchema })
  @ApiErrors({ 400: 'Invalid body or orderId', 404: 'Unknown order', 409: 'No double payment to acknowledge' })
  async acknowledge(
    @Param('orderId', OrderIdPipe) orderId: string,
    @Body() body: AcknowledgePayoutDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<PayoutView> {
    return (
      await this.requests.decide(orderId, { type: 'AcknowledgeDoublePayment', data: { reason: body.reason } }, commandContextFrom(request))
    ).payout;
  }

  /** DNS, TCP, TLS and GET /api/v1/wallet against Voltz (the sandbox wallet in sandbox mode); never a payment. */
  @Get('voltz/diagnostics')
  @ApiOperation({ summary: 'DNS, TCP, TLS and wallet checks against Voltz; never a payment' })
  @ApiOkResponse({ type: VoltzDiagnosticsSchema })
  diagnostics(): Promise<VoltzDiagnostics> {
    return runVoltzDiagnostics({
      baseUrl: this.lightning.walletUrl,
      adminKey: this.lightning.adminKey,
      timeoutMs: this.config.voltzTimeoutMs,
    });
  }

  /**
   * The Voltz monitor: breaker state, availability over the last hour, the latest probes and wallet answers,
   * the balance beside what open payouts need.
   */
  @Get('voltz/status')
  @ApiOperation({ summary: 'The Voltz monitor: breaker, availability, recent answers' })
  @ApiOkResponse({ type: VoltzStatusSchema })
  voltzStatus(): Promise<WalletStatusView> {
    return this.queries.execute(new GetWalletStatusQuery());
  }

  @Post('fallback/sweep')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run one fallback sweep now' })
  @ApiOkResponse({ type: SweepSummarySchema })
  sweep(): Promise<SweepSummary> {
    return this.commands.execute(new RunSweepCommand());
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Counts by status, settled totals, the fallback queue, Voltz 520s, projection lag, the wallet beside what it owes',
  })
  @ApiOkResponse({ type: AdminStatsSchema })
  stats(): Promise<AdminStatsView> {
    return this.queries.execute(new GetStatsQuery());
  }

  @Get('stats/series')
  @ApiOperation({ summary: 'Hourly settled payouts, sats, Voltz 520s and wallet availability of the last `hours` hours (charts)' })
  @ApiOkResponse({ type: StatsSeriesSchema })
  @ApiErrors({ 400: '`invalid_hours`, `unknown_query_parameter`' })
  statsSeries(@Query() query: StatsSeriesQueryDto): Promise<StatsSeries> {
    return this.queries.execute(new GetStatsSeriesQuery(query.hours));
  }

  @Get('reconciliation')
  @ApiOperation({ summary: 'The latest reconciliation against the wallet' })
  @ApiOkResponse({ type: ReconciliationReportSchema })
  @ApiErrors({ 404: '`no_reconciliation`: none has run yet' })
  reconciliation(): Promise<ReconciliationReport> {
    return this.queries.execute(new GetReconciliationQuery());
  }

  @Post('reconciliation')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reconcile the ledger with the wallet now; the report of that run' })
  @ApiOkResponse({ type: ReconciliationReportSchema })
  reconcile(): Promise<ReconciliationReport> {
    return this.commands.execute(new RunReconciliationCommand('admin'));
  }

  /** A ledger digest now (as DIGEST_CRON does), answered with what was recorded. */
  @Post('ledger/digest')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a ledger digest now (tamper evidence); the digest recorded' })
  @ApiOkResponse({ type: LedgerDigestSchema })
  ledgerDigest(@Req() request: AuthenticatedRequest): Promise<LedgerDigest> {
    return this.commands.execute(new RecordLedgerDigestCommand(commandContextFrom(request)));
  }
}
