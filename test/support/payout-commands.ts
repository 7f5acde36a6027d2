import { CommandContext } from '../../src/application/command-context';
import { PAYOUT_SETTINGS_DEFAULTS } from './payout-settings';
import { PayoutSettings, payoutPolicy } from '../../src/application/payout-settings';
import { Clock } from '../../src/application/ports/clock.port';
import { EventStore } from '../../src/application/ports/event-store.port';
import {
  HandleOptions,
  HandledCommand,
  PayoutCommandDeps,
  handlePayoutCommand,
  handledOrThrow,
} from '../../src/application/payouts/handle-payout-command';
import { PayoutRepository } from '../../src/application/payouts/payout-repository';
import { Reservations } from '../../src/application/payouts/reservations';
import { PayoutCommand } from '../../src/domain/payout/payout-commands';
import { payoutDecider } from '../../src/domain/payout/payout-decider';
import { TimeOrderedIdGenerator } from '../../src/infrastructure/system/time-ordered-id-generator';

/** The service's command path over a real store, wired by hand as the payouts module wires it. */
export function payoutCommandsOver(store: EventStore, clock: Clock, settings: PayoutSettings = PAYOUT_SETTINGS_DEFAULTS) {
  const ids = new TimeOrderedIdGenerator(clock);
  const repository = new PayoutRepository(store, ids);
  const reservations = new Reservations(store, repository, ids, clock, settings);
  const deps: PayoutCommandDeps = {
    repository,
    reservations,
    clock,
    decider: payoutDecider(payoutPolicy(settings)),
    publish: () => undefined,
  };
  /** A command that must be accepted: a refusal throws the error the HTTP layer would answer. */
  const run = async (orderId: string, command: PayoutCommand, context: CommandContext, options?: HandleOptions): Promise<HandledCommand> =>
    handledOrThrow(await handlePayoutCommand(deps, orderId, command, context, options));
  return { deps, ids, repository, reservations, run };
}
