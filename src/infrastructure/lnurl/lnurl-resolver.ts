import { Clock } from '../../application/ports/clock.port';
import { LightningAddressResolver, ResolveResult } from '../../application/ports/lightning-address-resolver.port';
import { parseLightningAddress } from '../../domain/destination/lightning-address';
import { LightningNetwork } from '../../domain/destination/lightning-network';
import { validateInvoice } from '../../domain/destination/validate-invoice';
import { ResolveAll } from './guarded-lookup';
import { LnurlFetch, LnurlHttpClient } from './lnurl-http-client';
import { callbackWithAmount, parseObject, readCallbackAnswer, readPayRequest } from './pay-request';

export interface LnurlResolverOptions {
  network: LightningNetwork;
  /** Per request (each redirect hop and the callback get their own). */
  timeoutMs: number;
  maxResponseBytes: number;
  /** domain -> base URL (LNURL_HOST_OVERRIDES); plain http and private addresses are allowed for that origin, and only while resolving that domain. */
  hostOverrides: ReadonlyMap<string, string>;
  minRemainingSeconds: number;
  clock: Clock;
  /** Name resolution; tests map names to addresses without touching real DNS. */
  resolveAll?: ResolveAll;
}

/** HTTP answers worth retrying later: the server is overloaded, rate limiting, or briefly broken. */
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * LUD-16 -> LUD-06: fetches the address's payRequest, calls its callback for
 * exactly the payout amount, and returns the invoice only if validateInvoice
 * accepts it (amount equal to the msat, network, expiry margin, signature).
 * The description hash is deliberately not compared with the metadata:
 * LUD-06 dropped that rule (luds #234) because real servers omit or vary it.
 */
export class LnurlResolver implements LightningAddressResolver {
  private readonly http: LnurlHttpClient;

  constructor(private readonly options: LnurlResolverOptions) {
    this.http = new LnurlHttpClient({
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      resolveAll: options.resolveAll,
    });
  }

  async resolve(address: string, amountSats: number): Promise<ResolveResult> {
    const parsed = parseLightningAddress(address);
    if (!parsed.ok) return permanent(parsed.message);
    const { user, domain } = parsed.value;
    const label = parsed.value.address;
    if (!Number.isSafeInteger(amountSats) || amountSats <= 0)
      return permanent(`${label}: amount ${amountSats} is not a whole number of sats`);
    const amountMsat = amountSats * 1000;

    const override = this.options.hostOverrides.get(domain);
    // An override origin is trusted for the domain it overrides, and for no other address's requests.
    const trustedOrigin = override === undefined ? null : new URL(override).origin;
    const payRequestUrl = `${this.baseUrlFor(domain)}/.well-known/lnurlp/${user}`;
    const first = answerBody(await this.http.get(payRequestUrl, trustedOrigin));
    if (!first.ok) return fail(first, `${label}: payRequest`);
    const payRequest = readPayRequest(first.body, amountMsat);
    if (!payRequest.ok) return fail(payRequest, `${label}: payRequest`);

    const second = answerBody(await this.http.get(callbackWithAmount(payRequest.value.callback, amountMsat), trustedOrigin));
    if (!second.ok) return fail(second, `${label}: callback`);
    const pr = readCallbackAnswer(second.body);
    if (!pr.ok) return fail(pr, `${label}: callback`);

    const validation = validateInvoice(pr.value, {
      amountSats,
      network: this.options.network,
      now: this.options.clock.now(),
      minRemainingSeconds: this.options.minRemainingSeconds,
    });
    if (!validation.ok) return permanent(`${label}: invoice refused (${validation.code}): ${validation.message}`);
    return { ok: true, invoice: validation.invoice };
  }

  /** https://domain, http://domain for .onion (LUD-16), or the configured override. */
  private baseUrlFor(domain: string): string {
    const override = this.options.hostOverrides.get(domain);
    if (override !== undefined) return override.replace(/\/+$/, '');
    return domain.endsWith('.onion') ? `http://${domain}` : `https://${domain}`;
  }
}

/** A 2xx body, or why the HTTP answer itself ends the resolution (transient for overload/5xx, permanent for 404 and other 4xx). */
function answerBody(fetched: LnurlFetch): { ok: true; body: string } | { ok: false; permanent: boolean; reason: string } {
  if (!fetched.ok) return fetched;
  if (fetched.status >= 200 && fetched.status < 300) return { ok: true, body: fetched.body };
  const json = parseObject(fetched.body);
  const said = json && typeof json.reason === 'string' ? `: ${json.reason.slice(0, 200)}` : '';
  return {
    ok: false,
    permanent: !TRANSIENT_STATUSES.has(fetched.status),
    reason: `HTTP ${fetched.status} from ${new URL(fetched.url).origin}${said}`,
  };
}

function fail(problem: { permanent: boolean; reason: string }, where: string): ResolveResult {
  return { ok: false, permanent: problem.permanent, reason: `${where}: ${problem.reason}` };
}

function permanent(reason: string): ResolveResult {
  return { ok: false, permanent: true, reason };
}
