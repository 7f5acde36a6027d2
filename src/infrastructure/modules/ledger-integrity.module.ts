import { Module } from '@nestjs/common';
import { LedgerDigests } from '../../application/ledger-integrity/ledger-digests';
import { LedgerDigestScheduler } from '../scheduling/ledger-digest.scheduler';

/** Tamper evidence: ledger digests, recorded on DIGEST_CRON and on demand. */
@Module({
  providers: [LedgerDigests, LedgerDigestScheduler],
  exports: [LedgerDigests],
})
export class LedgerIntegrityModule {}
