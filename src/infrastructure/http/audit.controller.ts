import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { GetGlobalEventsQuery, GlobalEventsPage } from '../../application/audit/queries/get-global-events.query';
import { GetPayoutEventsQuery, PayoutEvents } from '../../application/audit/queries/get-payout-events.query';
import { ListLedgerDigestsQuery } from '../../application/audit/queries/list-ledger-digests.query';
import { LedgerDigest } from '../../domain/ledger/ledger-digest';
import { Roles } from './auth/roles.decorator';
import { GlobalEventsQueryDto } from './dto/global-events-query.dto';
import { ApiErrors } from './openapi/api-errors.decorator';
import { GlobalEventsSchema, LedgerDigestsSchema, PayoutEventsSchema } from './openapi/audit.schemas';
import { LimitQueryDto } from './dto/limit-query.dto';
import { OrderIdPipe } from './order-id.pipe';

@ApiTags('auditor')
@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('payouts/:orderId/events')
  @ApiOperation({ summary: "One payout's stream, in stream order" })
  @ApiOkResponse({ type: PayoutEventsSchema })
  @ApiErrors({ 400: '`invalid_order_id`', 404: 'Unknown order' })
  payoutEvents(@Param('orderId', OrderIdPipe) orderId: string): Promise<PayoutEvents> {
    return this.queries.execute(new GetPayoutEventsQuery(orderId));
  }

  @Get('events')
  @ApiOperation({ summary: 'The global log in commit order, paged by position' })
  @ApiOkResponse({ type: GlobalEventsSchema })
  @ApiErrors({ 400: '`invalid_position`, `unknown_position`, `invalid_limit`, `unknown_query_parameter`' })
  events(@Query() query: GlobalEventsQueryDto): Promise<GlobalEventsPage> {
    return this.queries.execute(new GetGlobalEventsQuery(query.after ?? null, query.limit));
  }

  /** Ledger digests, newest first: auditors copy them out of band (tamper evidence). */
  @Get('digests')
  @ApiOperation({ summary: 'Ledger digests (Merkle roots over every stream head), newest first: copy them out of band' })
  @ApiOkResponse({ type: LedgerDigestsSchema })
  @ApiErrors({ 400: '`invalid_limit`, `unknown_query_parameter`' })
  digests(@Query() query: LimitQueryDto): Promise<{ digests: LedgerDigest[] }> {
    return this.queries.execute(new ListLedgerDigestsQuery(query.limit));
  }
}
