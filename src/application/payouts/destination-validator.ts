import { Inject, Injectable } from '@nestjs/common';
import { isInvalidDestination, parseDestination } from '../../domain/destination/destination';
import { validateInvoice } from '../../domain/destination/validate-invoice';
import { ValidDestination } from '../../domain/payout/payout-commands';
import { ApplicationError } from '../application-error';
import { PAYOUT_SETTINGS, PayoutSettings } from '../payout-settings';
import { CLOCK, Clock } from '../ports/clock.port';

/**
 * Turns what the bot sent into a destination the decider accepts: 400 when it
 * is no destination at all, 422 when it is a BOLT11 this payout can never pay.
 * A Lightning Address is only checked for form here; resolving it is async.
 */
@Injectable()
export class DestinationValidator {
  constructor(
    @Inject(PAYOUT_SETTINGS) private readonly settings: PayoutSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  validate(raw: string, amountSats: number): ValidDestination {
    const parsed = parseDestination(raw);
    if (isInvalidDestination(parsed)) throw new ApplicationError('invalid', `destination: ${parsed.message}`, 'invalid_destination');
    if (parsed.kind === 'lightning_address') return { kind: 'lightning_address', value: parsed.address };
    const result = validateInvoice(parsed.decoded, {
      amountSats,
      network: this.settings.network,
      now: this.clock.now(),
      minRemainingSeconds: this.settings.minInvoiceValiditySeconds,
    });
    if (!result.ok) {
      const kind = result.code === 'undecodable' ? 'invalid' : 'unprocessable';
      // The bot's operators tune this requirement, so the refusal names the variable.
      const requirement =
        result.code === 'expired'
          ? `; an invoice must have at least MIN_INVOICE_VALIDITY_S (${this.settings.minInvoiceValiditySeconds} s) left`
          : '';
      throw new ApplicationError(kind, `destination: ${result.message}${requirement}`, `invoice_${result.code}`);
    }
    return { kind: 'bolt11', value: result.invoice.bolt11, invoice: result.invoice };
  }
}
