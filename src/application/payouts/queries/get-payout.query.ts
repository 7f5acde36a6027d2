import { Query } from '@nestjs/cqrs';
import { PayoutView } from '../../../domain/payout/payout-view';

/** Reads the stream itself, so the bot reads its own writes at once. */
export class GetPayoutQuery extends Query<PayoutView> {
  constructor(readonly orderId: string) {
    super();
  }
}
