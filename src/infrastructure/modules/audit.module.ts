import { Module } from '@nestjs/common';
import { GetGlobalEventsHandler } from '../../application/audit/queries/get-global-events.handler';
import { GetPayoutEventsHandler } from '../../application/audit/queries/get-payout-events.handler';
import { ListLedgerDigestsHandler } from '../../application/audit/queries/list-ledger-digests.handler';
import { AuditController } from '../http/audit.controller';
import { LedgerIntegrityModule } from './ledger-integrity.module';

/** Auditors replay streams and the global log exactly as stored, and read the ledger digests to copy out of band. */
@Module({
  imports: [LedgerIntegrityModule],
  controllers: [AuditController],
  providers: [GetPayoutEventsHandler, GetGlobalEventsHandler, ListLedgerDigestsHandler],
})
export class AuditModule {}
