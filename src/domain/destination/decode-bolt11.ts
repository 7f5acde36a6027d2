import { decode } from 'bolt11';
import { KnownInvoiceNetwork, networkForBech32Prefix } from './lightning-network';

/** No real invoice comes near this; it bounds the work a hostile string can cause. */
const MAX_BOLT11_LENGTH = 8192;
/** bech32 data part: 7 words of timestamp, tagged fields, then 104 words of signature. */
const MIN_DATA_WORDS = 7 + 104;
const BECH32_CHECKSUM_LENGTH = 6;
/** `ln` + currency prefix (letters) + optional amount (digits and a multiplier). */
const HRP_PATTERN = /^ln([a-z]+)(\d+[munp]?)?$/;
const PAYMENT_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Messages bolt11/secp256k1 throw once the string parsed but the signature does not hold. */
const SIGNATURE_ERROR = /signature|public key could not be recover/i;

export interface DecodedBolt11 {
  bolt11: string;
  invoiceNetwork: KnownInvoiceNetwork;
  paymentHash: string;
  /** Exact msat amount as a decimal string; null for an amountless invoice. */
  millisatoshis: string | null;
  timestamp: number;
  /** Unix seconds: the expiry tag, or timestamp + 3600 when the invoice has none (BOLT11 default). */
  expiresAt: number;
}

export type DecodeBolt11Result =
  { ok: true; decoded: DecodedBolt11 } | { ok: false; code: 'undecodable' | 'bad_signature'; message: string };

/** Accepts a `lightning:` URI prefix (any case) and any letter case, as wallets and QR codes produce. */
export function normalizeBolt11(raw: string): string {
  return raw
    .trim()
    .replace(/^lightning:/i, '')
    .toLowerCase();
}

/**
 * Decodes a BOLT11 string and tells a string that is not an invoice
 * (undecodable: typo, truncation, unknown currency) from one that is a
 * well-formed invoice whose signature does not hold (bad_signature). bolt11
 * only throws plain Errors, so the structure is checked here first: once the
 * human-readable part, the length and the checksum-bearing layout are sound,
 * a signature-related error really is about the signature.
 */
export function decodeBolt11(raw: string): DecodeBolt11Result {
  const bolt11 = normalizeBolt11(raw);
  if (bolt11.length === 0) return undecodable('empty invoice');
  if (bolt11.length > MAX_BOLT11_LENGTH) return undecodable(`longer than ${MAX_BOLT11_LENGTH} characters`);
  const separator = bolt11.lastIndexOf('1');
  if (separator < 0) return undecodable('not a bech32 string');
  const hrp = bolt11.slice(0, separator);
  const hrpMatch = HRP_PATTERN.exec(hrp);
  if (!hrpMatch) return undecodable('not a lightning payment request');
  const invoiceNetwork = networkForBech32Prefix(hrpMatch[1]);
  if (!invoiceNetwork) return undecodable(`unknown currency prefix "ln${hrpMatch[1]}"`);
  const dataWords = bolt11.length - separator - 1 - BECH32_CHECKSUM_LENGTH;
  if (dataWords < MIN_DATA_WORDS) return undecodable('too short to hold a timestamp and a signature');

  let decoded: ReturnType<typeof decode>;
  try {
    decoded = decode(bolt11, invoiceNetwork.params);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The checksum is verified before the signature, so a signature error here is about a string that is otherwise intact.
    if (SIGNATURE_ERROR.test(message)) return { ok: false, code: 'bad_signature', message: `invalid signature: ${brief(message)}` };
    return undecodable(message);
  }

  const paymentHash = decoded.tagsObject.payment_hash;
  if (typeof paymentHash !== 'string' || !PAYMENT_HASH_PATTERN.test(paymentHash)) return undecodable('no valid payment hash');
  if (typeof decoded.timestamp !== 'number') return undecodable('no timestamp');
  const timestamp = decoded.timestamp;
  return {
    ok: true,
    decoded: {
      bolt11,
      invoiceNetwork,
      paymentHash,
      millisatoshis: decoded.millisatoshis ?? null,
      timestamp,
      expiresAt: decoded.timeExpireDate ?? timestamp + 3600,
    },
  };
}

function undecodable(reason: string): DecodeBolt11Result {
  return { ok: false, code: 'undecodable', message: `not a decodable BOLT11 invoice: ${brief(reason)}` };
}

/** bolt11's checksum error quotes the whole invoice; a reason stays readable in a payout's lastError. */
function brief(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
