import { Module } from '@nestjs/common';
import { ConfirmPixHandler } from '../../application/payouts/commands/confirm-pix.handler';
import { SubmitDestinationHandler } from '../../application/payouts/commands/submit-destination.handler';
import { DestinationValidator } from '../../application/payouts/destination-validator';
import { PayoutCommandExecutor } from '../../application/payouts/payout-command-executor';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { Reservations } from '../../application/payouts/reservations';
import { GetPayoutHandler } from '../../application/payouts/queries/get-payout.handler';
import { PayoutsController } from '../http/payouts.controller';

/** The bot's side: confirm a PIX, give a destination, read a payout. */
@Module({
  controllers: [PayoutsController],
  providers: [
    PayoutRepository,
    Reservations,
    PayoutCommandExecutor,
    DestinationValidator,
    ConfirmPixHandler,
    SubmitDestinationHandler,
    GetPayoutHandler,
  ],
  exports: [PayoutRepository, PayoutCommandExecutor],
})
export class PayoutsModule {}
