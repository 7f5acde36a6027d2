import { PaymentStatus } from '../../application/ports/wallet.port';
import {
  asObject,
  cloudflarePage,
  detailOf,
  feeMsatOf,
  HttpExchange,
  JsonObject,
  parseJson,
  preimageOf,
  transportReason,
} from './http-exchange';

/**
 * Classifies the answer to GET /api/v1/payments/{hash} (docs/lightning.md): paid
 * true or status success is settled ("success wins" over an old version's
 * paid:false), status failed is the only definite failure, any other
 * paid:false is pending. Only LNbits' own "Payment does not exist." 404 is
 * not_found; a 404 for the wallet is a configuration problem, and any other
 * 404 (a proxy, a wrong path) is unknown so it can never be taken for
 * "this payment never happened".
 */
export function classifyStatusResponse(exchange: HttpExchange): PaymentStatus {
  if (exchange.kind === 'transport_error') return { kind: 'unknown', reason: transportReason(exchange) };
  const { httpStatus } = exchange;
  const cloudflare = cloudflarePage(exchange);
  if (cloudflare)
    return { kind: 'unknown', reason: `Cloudflare HTTP ${httpStatus} page${cloudflare.cfRay ? ` (CF-RAY ${cloudflare.cfRay})` : ''}` };
  const json = asObject(parseJson(exchange.body));
  const detail = detailOf(json);
  const said = `HTTP ${httpStatus}${detail ? ` "${detail}"` : ''}`;
  if (httpStatus >= 200 && httpStatus < 300) return classifyPaymentBody(json, httpStatus);
  if (httpStatus === 404 && detail && /payment does not exist/i.test(detail)) return { kind: 'not_found' };
  if (httpStatus === 404 && detail && /wallet not found/i.test(detail))
    return { kind: 'rejected', reason: `${said}: check VOLTZ_ADMIN_KEY`, category: 'configuration' };
  if (httpStatus === 401 || httpStatus === 403)
    return { kind: 'rejected', reason: `${said}: check VOLTZ_ADMIN_KEY`, category: 'configuration' };
  if (httpStatus >= 300 && httpStatus < 400)
    return { kind: 'rejected', reason: `${said} redirect: VOLTZ_URL must be the LNbits origin`, category: 'configuration' };
  return { kind: 'unknown', reason: said };
}

function classifyPaymentBody(json: JsonObject | null, httpStatus: number): PaymentStatus {
  if (!json || (typeof json.paid !== 'boolean' && typeof json.status !== 'string')) {
    return { kind: 'unknown', reason: `HTTP ${httpStatus} with a body that is not an LNbits payment status` };
  }
  const details = asObject(json.details);
  const status = typeof json.status === 'string' ? json.status : null;
  const detailsStatus = details && typeof details.status === 'string' ? details.status : null;
  if (json.paid === true && (status === 'failed' || detailsStatus === 'failed')) {
    // Some 1.0/1.1 builds computed paid as "not pending", so a failed payment read paid:true.
    return { kind: 'unknown', reason: 'contradictory status: paid:true for a failed payment' };
  }
  if (json.paid === true || status === 'success') {
    return {
      kind: 'settled',
      preimage: preimageOf(json.preimage) ?? preimageOf(details?.preimage),
      // While pending, details.fee is the reserve, not the fee: only a finished payment's fee is taken.
      feeMsat: detailsStatus === 'success' || details?.pending === false ? feeMsatOf(details?.fee) : 0,
    };
  }
  if (status === 'failed') return { kind: 'failed', reason: detailOf(json) ?? 'LNbits reports the payment failed' };
  // paid:false with status pending, with no status (the node check itself failed), or an unknown status: still in flight.
  return { kind: 'pending' };
}
