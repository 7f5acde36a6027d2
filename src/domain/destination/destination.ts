import { DecodeBolt11Result, decodeBolt11, normalizeBolt11 } from './decode-bolt11';
import { parseLightningAddress } from './lightning-address';

/** A bolt11 destination keeps its decode result, so validating it does not decode it again. */
export type Destination = { kind: 'lightning_address'; address: string } | { kind: 'bolt11'; bolt11: string; decoded: DecodeBolt11Result };

/** A destination that is neither a Lightning Address nor a decodable BOLT11 (HTTP 400). */
export interface InvalidDestination {
  error: 'invalid_destination';
  message: string;
}

export type ParsedDestination = Destination | InvalidDestination;

export function isInvalidDestination(parsed: ParsedDestination): parsed is InvalidDestination {
  return 'error' in parsed;
}

/**
 * Tells what the customer gave: a Lightning Address (normalised to lower
 * case) or a BOLT11 invoice (prefix stripped, lower case). An invoice that
 * decodes but cannot be paid (bad signature, wrong amount...) is still a
 * bolt11 destination here: validateInvoice reports those (422), this only
 * rejects what is no destination at all (400). A `lightning:` prefix is
 * accepted in front of either form.
 */
export function parseDestination(raw: string): ParsedDestination {
  const value = raw.trim().replace(/^lightning:/i, '');
  if (value.length === 0) return { error: 'invalid_destination', message: 'destination is empty' };
  if (value.includes('@')) {
    const address = parseLightningAddress(value);
    if (!address.ok) return { error: 'invalid_destination', message: address.message };
    return { kind: 'lightning_address', address: address.value.address };
  }
  const decoded = decodeBolt11(value);
  if (!decoded.ok && decoded.code === 'undecodable') {
    return { error: 'invalid_destination', message: `neither a Lightning Address nor a BOLT11 invoice (${decoded.message})` };
  }
  return { kind: 'bolt11', bolt11: normalizeBolt11(value), decoded };
}

/** The value a payout records for this destination: the normalised address or invoice. */
export function destinationValue(destination: Destination): string {
  return destination.kind === 'lightning_address' ? destination.address : destination.bolt11;
}
