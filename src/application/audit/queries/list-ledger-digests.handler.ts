import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { LedgerDigest } from '../../../domain/ledger/ledger-digest';
import { LedgerDigests } from '../../ledger-integrity/ledger-digests';
import { ListLedgerDigestsQuery } from './list-ledger-digests.query';

@QueryHandler(ListLedgerDigestsQuery)
export class ListLedgerDigestsHandler implements IQueryHandler<ListLedgerDigestsQuery> {
  constructor(private readonly digests: LedgerDigests) {}

  async execute(query: ListLedgerDigestsQuery): Promise<{ digests: LedgerDigest[] }> {
    return { digests: await this.digests.list(query.limit) };
  }
}
