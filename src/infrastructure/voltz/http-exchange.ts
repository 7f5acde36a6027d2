/**
 * One HTTP exchange with the wallet as the pure classifiers see it: either
 * an answer (status, headers, raw body) or a transport failure (no answer).
 */
export type HttpExchange =
  | { kind: 'response'; httpStatus: number; headers: Readonly<Record<string, string | undefined>>; body: string }
  | { kind: 'transport_error'; code: string | null; message: string };

export type JsonObject = Record<string, unknown>;

/** Header lookup that ignores case (axios lower-cases; hand-written tables may not). */
export function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return null;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function asObject(value: unknown): JsonObject | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * A Cloudflare error page rather than an LNbits answer: the body is not JSON
 * and the edge said so (Server: cloudflare or a CF-RAY header). Behind
 * Cloudflare every answer carries those headers, so the JSON test is what
 * tells LNbits' own 520 from the edge's. A non-JSON 52x is Cloudflare's by
 * definition (those codes are Cloudflare's own), even if a proxy stripped
 * the headers.
 */
export function cloudflarePage(exchange: HttpExchange & { kind: 'response' }): { cfRay: string | null } | null {
  if (parseJson(exchange.body) !== undefined) return null;
  const server = header(exchange.headers, 'server') ?? '';
  const cfRay = header(exchange.headers, 'cf-ray');
  const cloudflareStatus = exchange.httpStatus >= 520 && exchange.httpStatus <= 527;
  if (/cloudflare/i.test(server) || cfRay !== null || cloudflareStatus) return { cfRay };
  return null;
}

/** LNbits' error text: `detail` (FastAPI) or `message` (older Quart versions); validation errors are arrays. */
export function detailOf(json: JsonObject | null): string | null {
  if (!json) return null;
  const detail = json.detail ?? json.message;
  if (typeof detail === 'string') return clip(detail);
  if (detail !== undefined && detail !== null) return clip(JSON.stringify(detail));
  return null;
}

export function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** LNbits reports fees as negative msat (money out); the ledger keeps a non-negative integer. */
export function feeMsatOf(value: unknown): number {
  const fee = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(fee) ? Math.abs(Math.round(fee)) : 0;
}

/** A usable preimage: 64 hex characters, not the all-zero placeholder some versions store while pending. */
export function preimageOf(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value) || /^0+$/.test(value)) return null;
  return value.toLowerCase();
}

export function transportReason(exchange: HttpExchange & { kind: 'transport_error' }): string {
  return `no answer from the wallet (${exchange.code ?? 'error'}: ${clip(exchange.message, 200)})`;
}
