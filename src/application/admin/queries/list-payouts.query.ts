import { Query } from '@nestjs/cqrs';
import { PayoutStatus } from '../../../domain/payout/payout-status';
import { PayoutListPage, PayoutOrder } from '../../ports/payout-read-model.port';

export class ListPayoutsQuery extends Query<PayoutListPage> {
  constructor(
    readonly status: PayoutStatus | undefined,
    readonly limit: number,
    readonly cursor: string | null,
    readonly order: PayoutOrder,
  ) {
    super();
  }
}
