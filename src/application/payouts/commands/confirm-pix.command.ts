import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../command-context';
import { PayoutView } from '../payout-view';

export interface ConfirmPixResult {
  created: boolean;
  payout: PayoutView;
}

/** The bot says a PIX is confirmed (POST /v1/payouts); orderId is the idempotency key. */
export class ConfirmPixCommand extends Command<ConfirmPixResult> {
  constructor(
    readonly orderId: string,
    readonly pix: { endToEndId: string; amountCents: number; paidAt: string },
    readonly amountSats: number,
    readonly destination: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
