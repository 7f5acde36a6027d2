import { Command } from '@nestjs/cqrs';
import { ProcessOutcome, ProcessTrigger } from './payout-processor';

/** Move one payout forward now: resolve, claim, pay, check — whatever its stream says is next. */
export class ProcessPayoutCommand extends Command<ProcessOutcome> {
  constructor(
    readonly orderId: string,
    readonly trigger: ProcessTrigger,
    readonly correlationId?: string,
  ) {
    super();
  }
}
