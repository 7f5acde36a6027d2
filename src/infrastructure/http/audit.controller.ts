import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetGlobalEventsQuery, GlobalEventsPage } from '../../application/audit/queries/get-global-events.query';
import { GetPayoutEventsQuery, PayoutEvents } from '../../application/audit/queries/get-payout-events.query';
import { ListLedgerDigestsQuery } from '../../application/audit/queries/list-ledger-digests.query';
import { LedgerDigest } from '../../domain/ledger/ledger-digest';
import { Roles } from './auth/roles.decorator';
import { GlobalEventsQueryDto } from './dto/global-events-query.dto';
import { LimitQueryDto } from './dto/limit-query.dto';
import { OrderIdPipe } from './order-id.pipe';

@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('payouts/:orderId/events')
  payoutEvents(@Param('orderId', OrderIdPipe) orderId: string): Promise<PayoutEvents> {
    return this.queries.execute(new GetPayoutEventsQuery(orderId));
  }

  @Get('events')
  events(@Query() query: GlobalEventsQueryDto): Promise<GlobalEventsPage> {
    return this.queries.execute(new GetGlobalEventsQuery(query.after ?? null, query.limit));
  }

  /** Ledger digests, newest first: auditors copy them out of band (tamper evidence). */
  @Get('digests')
  digests(@Query() query: LimitQueryDto): Promise<{ digests: LedgerDigest[] }> {
    return this.queries.execute(new ListLedgerDigestsQuery(query.limit));
  }
}
