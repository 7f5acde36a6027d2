import { Command } from '@nestjs/cqrs';
import type { LoadedPayout } from '../payouts/payout-repository';
import { ProcessOutcome, ProcessTrigger } from './payout-processor';

/**
 * Move one payout forward now: resolve, claim, pay, check — whatever its
 * stream says is next. The one way every trigger (the saga's fast path, the
 * sweep, an admin's retry) advances a payout.
 */
export class AdvancePayoutCommand extends Command<ProcessOutcome> {
  constructor(
    readonly orderId: string,
    readonly trigger: ProcessTrigger,
    readonly correlationId?: string,
    /** The payout as the trigger last saw it (a hint: a stale one costs a conflict and a re-read, nothing else). */
    readonly from?: LoadedPayout,
  ) {
    super();
  }
}
