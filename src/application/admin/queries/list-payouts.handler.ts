import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PAYOUT_READ_MODEL, PayoutListPage, PayoutReadModel } from '../../ports/payout-read-model.port';
import { ListPayoutsQuery } from './list-payouts.query';

@QueryHandler(ListPayoutsQuery)
export class ListPayoutsHandler implements IQueryHandler<ListPayoutsQuery> {
  constructor(@Inject(PAYOUT_READ_MODEL) private readonly payouts: PayoutReadModel) {}

  async execute(query: ListPayoutsQuery): Promise<PayoutListPage> {
    return this.payouts.list({ status: query.status, limit: query.limit, cursor: query.cursor, order: query.order });
  }
}
