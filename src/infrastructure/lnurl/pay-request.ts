/**
 * Pure reading of the two LNURL-pay answers (LUD-06): the payRequest and the
 * callback's invoice. Every problem is permanent: the server answered, and
 * what it said can never lead to a payable invoice for this amount.
 */
export type Read<T> = { ok: true; value: T } | { ok: false; permanent: boolean; reason: string };

export interface PayRequest {
  callback: string;
  minSendable: number;
  maxSendable: number;
}

export function readPayRequest(body: string, amountMsat: number): Read<PayRequest> {
  const json = parseObject(body);
  if (!json) return refuse('payRequest is not a JSON object');
  const error = lnurlError(json);
  if (error !== null) return refuse(`server answered ERROR: ${error}`);
  if (json.tag !== 'payRequest') return refuse(`tag is ${JSON.stringify(json.tag ?? null)}, not "payRequest"`);
  const { minSendable, maxSendable, callback, metadata } = json;
  if (!isWholeMsat(minSendable) || !isWholeMsat(maxSendable)) return refuse('minSendable/maxSendable are not whole msat amounts');
  if (minSendable < 1 || minSendable > maxSendable)
    return refuse(`minSendable ${minSendable} / maxSendable ${maxSendable} are not 1 <= min <= max`);
  if (amountMsat < minSendable || amountMsat > maxSendable) {
    return refuse(`amount ${amountMsat} msat is outside the server's range ${minSendable}..${maxSendable} msat`);
  }
  const metadataProblem = checkMetadata(metadata);
  if (metadataProblem) return refuse(metadataProblem);
  if (typeof callback !== 'string' || callback.length === 0) return refuse('callback is missing');
  return { ok: true, value: { callback, minSendable, maxSendable } };
}

export function readCallbackAnswer(body: string): Read<string> {
  const json = parseObject(body);
  if (!json) return refuse('callback answer is not a JSON object');
  const error = lnurlError(json);
  if (error !== null) return refuse(`callback answered ERROR: ${error}`);
  if (typeof json.pr !== 'string' || json.pr.length === 0) return refuse('callback answer has no "pr" invoice');
  return { ok: true, value: json.pr };
}

/** LUD-06: `?amount=` or `&amount=` when the callback already has a query; the existing query is kept byte for byte. */
export function callbackWithAmount(callback: string, amountMsat: number): string {
  const withoutFragment = callback.split('#')[0];
  const queryStart = withoutFragment.indexOf('?');
  const separator = queryStart < 0 ? '?' : queryStart === withoutFragment.length - 1 ? '' : '&';
  return `${withoutFragment}${separator}amount=${amountMsat}`;
}

/** The metadata is a string holding a JSON array of [mime, content] pairs that must include text/plain. */
function checkMetadata(metadata: unknown): string | null {
  if (typeof metadata !== 'string') return 'metadata is not a string';
  let entries: unknown;
  try {
    entries = JSON.parse(metadata);
  } catch {
    return 'metadata is not JSON';
  }
  if (!Array.isArray(entries)) return 'metadata is not a JSON array';
  const plain = entries.some((e) => Array.isArray(e) && e[0] === 'text/plain' && typeof e[1] === 'string');
  return plain ? null : 'metadata has no text/plain entry';
}

function lnurlError(json: Record<string, unknown>): string | null {
  if (typeof json.status !== 'string' || json.status.toUpperCase() !== 'ERROR') return null;
  return typeof json.reason === 'string' ? json.reason.slice(0, 200) : 'no reason given';
}

function isWholeMsat(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function parseObject(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function refuse<T>(reason: string): Read<T> {
  return { ok: false, permanent: true, reason };
}
