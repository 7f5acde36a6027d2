import { Module } from '@nestjs/common';
import { DecidePayoutHandler } from '../../application/payouts/commands/decide-payout.handler';
import { DestinationValidator } from '../../application/payouts/destination-validator';
import { PayoutCommandExecutor } from '../../application/payouts/payout-command-executor';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { Reservations } from '../../application/payouts/reservations';
import { GetPayoutHandler } from '../../application/payouts/queries/get-payout.handler';
import { PayoutsController } from '../http/payouts.controller';

/** The bot's side (confirm a PIX, give a destination, read a payout) and every decision asked of one payout. */
@Module({
  controllers: [PayoutsController],
  providers: [PayoutRepository, Reservations, PayoutCommandExecutor, DestinationValidator, DecidePayoutHandler, GetPayoutHandler],
  exports: [PayoutRepository, PayoutCommandExecutor],
})
export class PayoutsModule {}
