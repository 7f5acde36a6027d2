import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { AcknowledgeDoublePaymentCommand } from '../../application/admin/commands/acknowledge-double-payment.command';
import { CancelPayoutCommand } from '../../application/admin/commands/cancel-payout.command';
import { RetryPayoutCommand } from '../../application/admin/commands/retry-payout.command';
import { RecordLedgerDigestCommand } from '../../application/admin/commands/record-ledger-digest.command';
import { RunSweepCommand } from '../../application/admin/commands/run-sweep.command';
import { GetFallbackQueueQuery } from '../../application/admin/queries/get-fallback-queue.query';
import { GetVoltzStatusQuery } from '../../application/admin/queries/get-voltz-status.query';
import { ListPayoutsQuery } from '../../application/admin/queries/list-payouts.query';
import { SweepSummary } from '../../application/payout-process/fallback-sweeper';
import { FallbackQueueItem } from '../../application/ports/fallback-queue.port';
import { ID_GENERATOR, IdGenerator } from '../../application/ports/clock.port';
import { PayoutListPage } from '../../application/ports/payout-read-model.port';
import { PayoutView } from '../../application/payouts/payout-view';
import { VoltzStatus } from '../../application/wallet-monitor/voltz-monitor';
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
import { OrderIdPipe } from './order-id.pipe';

/** The fallback view holds at most what the sweep can work through; the admin page shows all of it. */
const FALLBACK_QUEUE_PAGE = 10_000;

@Controller('v1/admin')
@Roles('admin')
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(LIGHTNING_TARGET) private readonly lightning: LightningTarget,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('fallback-queue')
  fallbackQueue(): Promise<{ items: FallbackQueueItem[] }> {
    return this.queries.execute(new GetFallbackQueueQuery(FALLBACK_QUEUE_PAGE));
  }

  @Get('payouts')
  payouts(@Query() query: ListPayoutsQueryDto): Promise<PayoutListPage> {
    return this.queries.execute(new ListPayoutsQuery(query.status, query.limit, query.cursor ?? null));
  }

  @Post('payouts/:orderId/retry')
  @HttpCode(202)
  retry(@Param('orderId', OrderIdPipe) orderId: string, @Req() request: AuthenticatedRequest): Promise<PayoutView> {
    return this.commands.execute(new RetryPayoutCommand(orderId, commandContextFrom(request, this.ids)));
  }

  @Post('payouts/:orderId/cancel')
  @HttpCode(200)
  cancel(@Param('orderId', OrderIdPipe) orderId: string, @Body() body: CancelPayoutDto, @Req() request: AuthenticatedRequest): Promise<PayoutView> {
    return this.commands.execute(new CancelPayoutCommand(orderId, body.reason, commandContextFrom(request, this.ids)));
  }

  /** Closes a double-payment escalation (recorded as an event, with the admin's reason); 409 when there is none. */
  @Post('payouts/:orderId/acknowledge')
  @HttpCode(200)
  acknowledge(@Param('orderId', OrderIdPipe) orderId: string, @Body() body: AcknowledgePayoutDto, @Req() request: AuthenticatedRequest): Promise<PayoutView> {
    return this.commands.execute(new AcknowledgeDoublePaymentCommand(orderId, body.reason, commandContextFrom(request, this.ids)));
  }

  /** DNS, TCP, TLS and GET /api/v1/wallet against Voltz (the sandbox wallet in sandbox mode); never a payment. */
  @Get('voltz/diagnostics')
  diagnostics(): Promise<VoltzDiagnostics> {
    return runVoltzDiagnostics({ baseUrl: this.lightning.walletUrl, adminKey: this.lightning.adminKey, timeoutMs: this.config.voltzTimeoutMs });
  }

  /** The Voltz monitor: breaker state, availability over the last hour, the latest probes and wallet answers. */
  @Get('voltz/status')
  voltzStatus(): Promise<VoltzStatus> {
    return this.queries.execute(new GetVoltzStatusQuery());
  }

  @Post('fallback/sweep')
  @HttpCode(200)
  sweep(): Promise<SweepSummary> {
    return this.commands.execute(new RunSweepCommand());
  }

  /** A ledger digest now (as DIGEST_CRON does), answered with what was recorded. */
  @Post('ledger/digest')
  @HttpCode(200)
  ledgerDigest(@Req() request: AuthenticatedRequest): Promise<LedgerDigest> {
    return this.commands.execute(new RecordLedgerDigestCommand(commandContextFrom(request, this.ids)));
  }
}
