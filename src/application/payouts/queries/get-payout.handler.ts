import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application-error';
import { PayoutRepository } from '../payout-repository';
import { PayoutView, toPayoutView } from '../../../domain/payout/payout-view';
import { GetPayoutQuery } from './get-payout.query';

@QueryHandler(GetPayoutQuery)
export class GetPayoutHandler implements IQueryHandler<GetPayoutQuery> {
  constructor(private readonly repository: PayoutRepository) {}

  async execute(query: GetPayoutQuery): Promise<PayoutView> {
    const { state } = await this.repository.load(query.orderId);
    if (state.status === 'NONE') throw new ApplicationError('not_found', `Payout ${query.orderId} not found`, 'order_not_found');
    return toPayoutView(state);
  }
}
