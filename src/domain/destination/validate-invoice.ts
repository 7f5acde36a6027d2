import { DecodeBolt11Result, decodeBolt11 } from './decode-bolt11';
import { Invoice } from './invoice';
import { LightningNetwork } from './lightning-network';

/** undecodable maps to HTTP 400 (not an invoice at all); the others to 422 (an invoice this payout can never pay). */
export type InvoiceProblem = 'undecodable' | 'bad_signature' | 'wrong_network' | 'amountless' | 'amount_mismatch' | 'expired';

export type InvoiceValidation = { ok: true; invoice: Invoice } | { ok: false; code: InvoiceProblem; message: string };

export interface InvoiceRequirements {
  amountSats: number;
  network: LightningNetwork;
  now: Date;
  /** The invoice must stay valid at least this long after `now`, or paying it is a race against its expiry. */
  minRemainingSeconds: number;
}

/**
 * Checks, in this order, that a BOLT11 string decodes, is signed, belongs to
 * the configured network, carries an amount equal to amountSats to the
 * millisatoshi, and will not expire within the margin. The string may carry a
 * `lightning:` prefix and any letter case; the returned invoice is normalised.
 */
export function validateInvoice(bolt11: string | DecodeBolt11Result, requirements: InvoiceRequirements): InvoiceValidation {
  const { amountSats, network, now, minRemainingSeconds } = requirements;
  // A caller that already decoded the string (parseDestination) passes the result: one signature recovery per invoice.
  const result = typeof bolt11 === 'string' ? decodeBolt11(bolt11) : bolt11;
  if (!result.ok) return { ok: false, code: result.code, message: result.message };
  const decoded = result.decoded;

  if (decoded.invoiceNetwork.network !== network) {
    return { ok: false, code: 'wrong_network', message: `invoice is for ${decoded.invoiceNetwork.name}, this service pays on ${network}` };
  }
  if (decoded.millisatoshis === null) {
    return { ok: false, code: 'amountless', message: 'invoice has no amount; only invoices for exactly the payout amount are paid' };
  }
  const expectedMsat = expectedMillisatoshis(amountSats);
  // String comparison of exact integers: a sub-satoshi amount (e.g. 21000500 msat) never equals a whole-sat payout.
  if (expectedMsat === null || decoded.millisatoshis !== expectedMsat) {
    return {
      ok: false,
      code: 'amount_mismatch',
      message:
        `invoice amount is ${decoded.millisatoshis} msat, the payout is ${expectedMsat ?? String(amountSats)} ` +
        `msat (${amountSats} sat)`,
    };
  }
  const remainingMs = decoded.expiresAt * 1000 - now.getTime();
  if (remainingMs <= minRemainingSeconds * 1000) {
    const expiresAt = new Date(decoded.expiresAt * 1000).toISOString();
    const message =
      remainingMs <= 0 ? `invoice expired at ${expiresAt}` : `invoice expires at ${expiresAt}, less than ${minRemainingSeconds} s from now`;
    return { ok: false, code: 'expired', message };
  }
  return {
    ok: true,
    invoice: {
      bolt11: decoded.bolt11,
      paymentHash: decoded.paymentHash,
      amountMsat: Number(decoded.millisatoshis),
      expiresAt: new Date(decoded.expiresAt * 1000).toISOString(),
    },
  };
}

/** amountSats * 1000 as an exact decimal string, or null when amountSats is not a positive whole number of sats. */
function expectedMillisatoshis(amountSats: number): string | null {
  if (!Number.isSafeInteger(amountSats) || amountSats <= 0 || !Number.isSafeInteger(amountSats * 1000)) return null;
  return (BigInt(amountSats) * 1000n).toString();
}
