import { Module } from '@nestjs/common';
import { GetGlobalEventsHandler } from '../../application/audit/queries/get-global-events.handler';
import { GetPayoutEventsHandler } from '../../application/audit/queries/get-payout-events.handler';
import { AuditController } from '../http/audit.controller';

/** Auditors replay streams and the global log exactly as stored. */
@Module({
  controllers: [AuditController],
  providers: [GetPayoutEventsHandler, GetGlobalEventsHandler],
})
export class AuditModule {}
