import { PayOutcome } from '../../application/ports/wallet.port';
import {
  asObject,
  cloudflarePage,
  clip,
  detailOf,
  feeMsatOf,
  header,
  HttpExchange,
  JsonObject,
  parseJson,
  preimageOf,
  transportReason,
} from './http-exchange';

/** LNbits' refusals for want of balance (docs/lightning.md): nothing was paid, the same invoice can be paid after a top-up. */
const BALANCE_MESSAGES = [/insufficient balance/i, /you must reserve at least/i];
/** Other refusals LNbits makes before it records a payment, so the hash stays untouched and the same invoice can be paid later. */
const LIMIT_MESSAGES = [
  /time limit of .* between payments/i,
  /daily withdrawal limit/i,
  /amount in invoice is too high/i,
  /not allowed to spend funds/i,
];
/** Wallet-side configuration: no invoice can ever be paid with this wallet/key until an operator acts. */
const CONFIGURATION_MESSAGES = [
  /wallet not found/i,
  /could not fetch wallet/i,
  /does not have permission to pay/i,
  /only incoming payments allowed/i,
];
/** Definite failures where the destination itself is the problem: another invoice from it would fail the same way. */
const HOPELESS_INVOICE_MESSAGES = [/bolt11 decoding failed/i, /amountless invoices not supported/i];

/**
 * Classifies the answer to POST /api/v1/payments (docs/lightning.md). The rule of
 * thumb is LNbits' own remote client: only an explicit `status: "failed"` is
 * a definite failure, only `success` is settled, and everything that cannot
 * be read is unknown, resolved later by GET /api/v1/payments/{hash}.
 */
export function classifyPayResponse(exchange: HttpExchange): PayOutcome {
  if (exchange.kind === 'transport_error') return { kind: 'unknown', reason: transportReason(exchange) };
  const { httpStatus } = exchange;
  const cloudflare = cloudflarePage(exchange);
  if (cloudflare) {
    return {
      kind: 'unknown',
      reason:
        `Cloudflare HTTP ${httpStatus} page${cloudflare.cfRay ? ` (CF-RAY ${cloudflare.cfRay})` : ''}: ` + `says nothing about the payment`,
      http520: { source: 'cloudflare', httpStatus, cfRay: cloudflare.cfRay },
    };
  }
  const json = asObject(parseJson(exchange.body));
  if (httpStatus >= 200 && httpStatus < 300) return classifySuccessBody(json, httpStatus);
  if (httpStatus === 520) return classifyLnbits520(json);
  return classifyOtherStatus(httpStatus, json, exchange.headers);
}

function classifySuccessBody(json: JsonObject | null, httpStatus: number): PayOutcome {
  if (json && typeof json.status === 'string') {
    switch (json.status) {
      case 'success':
        return { kind: 'settled', preimage: preimageOf(json.preimage), feeMsat: feeMsatOf(json.fee) };
      case 'pending':
        // LNbits 1.x answers after ~5 s with the payment still in flight.
        return { kind: 'pending', reason: 'LNbits answered before the payment finished (status pending)' };
      case 'failed': {
        const detail = detailOf(json) ?? 'LNbits reports the payment failed';
        return { kind: 'failed', reason: detail, newInvoiceMayHelp: !HOPELESS_INVOICE_MESSAGES.some((m) => m.test(detail)) };
      }
      default:
        return { kind: 'unknown', reason: `HTTP ${httpStatus} with unexpected payment status ${JSON.stringify(clip(json.status, 40))}` };
    }
  }
  if (json && typeof json.payment_hash === 'string') {
    // LNbits 0.12 answers {payment_hash, checking_id} both when the payment succeeded and when its
    // backend left it in flight (the node returned "pending"), so this answer cannot settle the
    // order: pending sends the caller straight to the status endpoint, which tells the two apart
    // and gives the preimage and fee this body lacks.
    return { kind: 'pending', reason: 'LNbits 0.12-style answer without a status: confirm with a status check' };
  }
  return { kind: 'unknown', reason: `HTTP ${httpStatus} with a body that is not an LNbits payment` };
}

/** The balance or a limit of the wallet refused the payment before LNbits recorded it, or null. */
function refusalCategory(detail: string): 'balance' | 'limit' | null {
  if (BALANCE_MESSAGES.some((m) => m.test(detail))) return 'balance';
  return LIMIT_MESSAGES.some((m) => m.test(detail)) ? 'limit' : null;
}

/** LNbits' own payment errors: HTTP 520 with JSON {detail, status} (status absent on 0.12). */
function classifyLnbits520(json: JsonObject | null): PayOutcome {
  const detail = detailOf(json) ?? '';
  const lnbitsStatus = json && typeof json.status === 'string' ? json.status : null;
  const http520 = { source: 'lnbits' as const, detail, lnbitsStatus };
  const label = `LNbits 520 "${detail}"`;
  const refusal = refusalCategory(detail);
  if (refusal) return { kind: 'rejected', reason: `${label}: nothing was paid; retry the same invoice later`, category: refusal, http520 };
  if (CONFIGURATION_MESSAGES.some((m) => m.test(detail)))
    return { kind: 'rejected', reason: `${label}: wallet configuration`, category: 'configuration', http520 };
  switch (lnbitsStatus) {
    case 'success':
      // "Payment already paid." / "...already paid on the fundingsource.": LNbits says this hash is paid, but the answer
      // lacks the preimage and fee, and a re-POST proves little (docs/lightning.md): pending sends the caller to the status
      // endpoint, which confirms the payment and gives both.
      return { kind: 'pending', reason: `${label}: confirm with a status check`, http520 };
    case 'pending':
      return { kind: 'pending', reason: label, http520 };
    case 'failed':
      return { kind: 'failed', reason: label, newInvoiceMayHelp: !HOPELESS_INVOICE_MESSAGES.some((m) => m.test(detail)), http520 };
    default:
      // 0.12 sends no status ("Could not make payment." is its duplicate refusal, which may hide an earlier success).
      return { kind: 'unknown', reason: `${label} without a definite status`, http520 };
  }
}

function classifyOtherStatus(
  httpStatus: number,
  json: JsonObject | null,
  headers: Readonly<Record<string, string | undefined>>,
): PayOutcome {
  const detail = detailOf(json);
  const said = `HTTP ${httpStatus}${detail ? ` "${detail}"` : ''}`;
  if (httpStatus >= 300 && httpStatus < 400) {
    const location = header(headers, 'location');
    return {
      kind: 'rejected',
      reason: `${said} redirect${location ? ` to ${clip(location, 100)}` : ''}: VOLTZ_URL must be the LNbits origin`,
      category: 'configuration',
    };
  }
  const refusal = detail ? refusalCategory(detail) : null;
  if (httpStatus === 403 && refusal) {
    // LNbits 0.12 raised "Insufficient balance." as a PermissionError (403) before recording anything.
    return { kind: 'rejected', reason: `${said}: nothing was paid; retry the same invoice later`, category: refusal };
  }
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 404) {
    return {
      kind: 'rejected',
      reason: `${said}: check VOLTZ_URL and VOLTZ_ADMIN_KEY (an admin key is needed to pay)`,
      category: 'configuration',
    };
  }
  if (httpStatus === 400 && refusal) return { kind: 'rejected', reason: said, category: refusal };
  // The rate limiter answers before any handler runs.
  if (httpStatus === 429) return { kind: 'rejected', reason: said, category: 'limit' };
  if (httpStatus === 408) return { kind: 'unknown', reason: said };
  if (httpStatus >= 400 && httpStatus < 500) return { kind: 'rejected', reason: said, category: 'bad_request' };
  return { kind: 'unknown', reason: `${said}: says nothing about the payment` };
}
