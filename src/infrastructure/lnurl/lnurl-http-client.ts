import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import axios from 'axios';
import { createGuardedLookup, RefusedAddressError, ResolveAll, systemResolveAll } from './guarded-lookup';
import { forbiddenAddressReason } from './ip-address-policy';

/** A fetch either answered (any HTTP status) or failed; failures say whether trying again later can help. */
export type LnurlFetch = { ok: true; status: number; body: string; url: string } | { ok: false; permanent: boolean; reason: string };

type SingleFetch = (LnurlFetch & { ok: true; location: string | null }) | (LnurlFetch & { ok: false });

export interface LnurlHttpClientOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  resolveAll?: ResolveAll;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Real Lightning Address servers redirect at most http->https or apex->www; more is a loop or a probe. */
const MAX_REDIRECTS = 3;
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_CANCELED',
]);

/**
 * GETs URLs chosen by strangers (docs/lightning.md, "Lightning Address and LNURL-pay"):
 * https only (http for .onion), no credentials in URLs, literal IPs and every
 * resolved address checked against the private/loopback/link-local/metadata
 * policy, a response-size cap and a whole-request deadline. Redirects are
 * followed by hand, at most 3, each hop checked like a first request, so a
 * public server cannot bounce the resolver to 169.254.169.254. Only the
 * override origin of the address being resolved skips these checks (the
 * caller names it): another domain's server cannot send its callback, or a
 * redirect, into an override origin.
 */
export class LnurlHttpClient {
  private readonly guarded: { http: http.Agent; https: https.Agent };
  private readonly trusted = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };

  constructor(private readonly options: LnurlHttpClientOptions) {
    const lookup = createGuardedLookup(options.resolveAll ?? systemResolveAll);
    // No keep-alive: strangers' servers are called rarely, and an idle pooled socket is one more thing to leak.
    this.guarded = { http: new http.Agent({ keepAlive: false, lookup }), https: new https.Agent({ keepAlive: false, lookup }) };
  }

  /** `trustedOrigin`: the LNURL_HOST_OVERRIDES base URL's origin of the domain being resolved, if it has one. */
  async get(url: string, trustedOrigin: string | null = null): Promise<LnurlFetch> {
    let current = url;
    for (let hops = 0; ; hops += 1) {
      const via = hops === 0 ? '' : `redirected to ${current}: `;
      const target = this.check(current, trustedOrigin);
      if ('refused' in target) return { ok: false, permanent: true, reason: `${via}${target.refused}` };
      const answer = await this.fetchOnce(target.url, target.trusted);
      if (!answer.ok) return { ...answer, reason: `${via}${answer.reason}` };
      if (!REDIRECT_STATUSES.has(answer.status)) return { ok: true, status: answer.status, body: answer.body, url: answer.url };
      if (!answer.location) return { ok: false, permanent: true, reason: `${via}HTTP ${answer.status} redirect without a Location` };
      if (hops >= MAX_REDIRECTS) return { ok: false, permanent: true, reason: `more than ${MAX_REDIRECTS} redirects` };
      current = new URL(answer.location, target.url).href;
    }
  }

  private check(raw: string, trustedOrigin: string | null): { url: URL; trusted: boolean } | { refused: string } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { refused: `"${raw}" is not an absolute URL` };
    }
    if (trustedOrigin !== null && url.origin === trustedOrigin) return { url, trusted: true };
    if (url.username || url.password) return { refused: `${url.origin}: URLs with credentials are refused` };
    const onion = url.hostname.endsWith('.onion');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && onion)) {
      return { refused: `${url.origin}: only https:// is allowed (http:// only for .onion)` };
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) !== 0) {
      const why = forbiddenAddressReason(hostname);
      if (why !== null) return { refused: `${url.origin}: ${hostname} is ${why}: refused` };
    }
    return { url, trusted: false };
  }

  private async fetchOnce(url: URL, trusted: boolean): Promise<SingleFetch> {
    const agents = trusted ? this.trusted : this.guarded;
    const { timeoutMs, maxResponseBytes } = this.options;
    try {
      const response = await axios.request<string>({
        url: url.href,
        method: 'GET',
        httpAgent: agents.http,
        httpsAgent: agents.https,
        // Environment proxies would connect on our behalf, around the address checks.
        proxy: false,
        maxRedirects: 0,
        maxContentLength: maxResponseBytes,
        // timeout is an idle timer; the signal bounds the whole exchange, so a server dripping bytes cannot hold us.
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        headers: { Accept: 'application/json', 'User-Agent': 'pix-lightning-ledger' },
      });
      const location = response.headers['location'];
      return {
        ok: true,
        status: response.status,
        body: typeof response.data === 'string' ? response.data : '',
        url: url.href,
        location: typeof location === 'string' ? location : null,
      };
    } catch (error) {
      return { ok: false, ...describeFailure(error, url, timeoutMs, maxResponseBytes) };
    }
  }
}

function describeFailure(error: unknown, url: URL, timeoutMs: number, maxBytes: number): { permanent: boolean; reason: string } {
  const refused = findRefusal(error);
  if (refused) return { permanent: true, reason: `${url.origin}: ${refused.message}` };
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (/maxContentLength/i.test(message)) return { permanent: true, reason: `${url.origin}: response larger than ${maxBytes} bytes` };
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return { permanent: false, reason: `${url.origin}: no answer within ${timeoutMs} ms` };
  }
  if (code === 'ENOTFOUND') return { permanent: true, reason: `${url.origin}: ${url.hostname} does not resolve` };
  // TLS failures (expired or self-signed certificates) and network errors may be fixed by the server's owner: try again later.
  return { permanent: false, reason: `${url.origin}: ${code && TRANSIENT_CODES.has(code) ? code : message}` };
}

function findRefusal(error: unknown): RefusedAddressError | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof RefusedAddressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function errorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}
