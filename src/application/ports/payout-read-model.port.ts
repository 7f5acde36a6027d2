import { PayoutStatus } from '../../domain/payout/payout-status';
import { PayoutView } from '../payouts/payout-view';

export interface PayoutListPage {
  items: PayoutView[];
  nextCursor: string | null;
}

/** The `payouts` projection: one row per order, oldest first, filterable by status. */
export interface PayoutReadModel {
  list(options: { status?: PayoutStatus; limit: number; cursor?: string | null }): Promise<PayoutListPage>;
  /** The amounts of the payouts still to pay (not SETTLED, FAILED or CANCELLED), with how many payouts have each. */
  openAmounts(): Promise<{ amountSats: number; count: number }[]>;
}

export const PAYOUT_READ_MODEL = Symbol('PAYOUT_READ_MODEL');
