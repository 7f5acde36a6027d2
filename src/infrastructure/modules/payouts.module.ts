import { Module } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { PAYOUT_COMMAND_DEPS, PayoutCommandDeps } from '../../application/payouts/handle-payout-command';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { PayoutRequests } from '../../application/payouts/payout-requests';
import { Reservations } from '../../application/payouts/reservations';
import { GetPayoutHandler } from '../../application/payouts/queries/get-payout.handler';
import { PAYOUT_SETTINGS, PayoutSettings, payoutPolicy } from '../../application/payout-settings';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { payoutDecider } from '../../domain/payout/payout-decider';
import { PayoutsController } from '../http/payouts.controller';

/** The bot's side (confirm a PIX, give a destination, read a payout) and every decision asked of one payout. */
@Module({
  controllers: [PayoutsController],
  providers: [
    PayoutRepository,
    Reservations,
    PayoutRequests,
    GetPayoutHandler,
    {
      provide: PAYOUT_COMMAND_DEPS,
      inject: [PayoutRepository, Reservations, PAYOUT_SETTINGS, CLOCK, EventBus],
      useFactory: (
        repository: PayoutRepository,
        reservations: Reservations,
        settings: PayoutSettings,
        clock: Clock,
        events: EventBus,
      ): PayoutCommandDeps => ({
        repository,
        reservations,
        clock,
        decider: payoutDecider(payoutPolicy(settings)),
        publish: (appended) => events.publish(appended),
      }),
    },
  ],
  exports: [PayoutRepository, PayoutRequests, PAYOUT_COMMAND_DEPS],
})
export class PayoutsModule {}
