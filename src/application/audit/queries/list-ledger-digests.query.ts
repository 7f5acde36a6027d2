import { Query } from '@nestjs/cqrs';
import { LedgerDigest } from '../../../domain/ledger/ledger-digest';

/** The latest ledger digests, newest first. */
export class ListLedgerDigestsQuery extends Query<{ digests: LedgerDigest[] }> {
  constructor(readonly limit: number) {
    super();
  }
}
