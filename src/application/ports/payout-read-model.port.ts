import { PayoutStatus } from '../../domain/payout/payout-status';
import { PayoutView } from '../../domain/payout/payout-view';

export interface PayoutListPage {
  items: PayoutView[];
  nextCursor: string | null;
  /** How many payouts match the status filter, on every page alike. */
  total: number;
}

/** Which end of the list comes first, by creation time (order id breaks ties). */
export const PAYOUT_ORDERS = ['oldest', 'newest'] as const;
export type PayoutOrder = (typeof PAYOUT_ORDERS)[number];

export interface PayoutListOptions {
  status?: PayoutStatus;
  limit: number;
  cursor?: string | null;
  /** Oldest first unless asked. */
  order?: PayoutOrder;
}

/** The `payouts` projection: one row per order, in creation order either way, filterable by status. */
export interface PayoutReadModel {
  list(options: PayoutListOptions): Promise<PayoutListPage>;
  /** The amounts of the payouts still to pay (not SETTLED, FAILED or CANCELLED), with how many payouts have each. */
  openAmounts(): Promise<{ amountSats: number; count: number }[]>;
}

export const PAYOUT_READ_MODEL = Symbol('PAYOUT_READ_MODEL');
