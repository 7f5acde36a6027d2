import http from 'node:http';
import https from 'node:https';
import axios, { AxiosInstance } from 'axios';
import { Invoice } from '../../domain/destination/invoice';
import { PaymentStatus, PayOutcome, ProbedWalletPort, WalletInfo, WalletPayment, WalletPort } from '../../application/ports/wallet.port';
import { classifyPayResponse } from './classify-pay-response';
import { classifyStatusResponse } from './classify-status-response';
import { asObject, clip, detailOf, feeMsatOf, HttpExchange, parseJson, preimageOf } from './http-exchange';

export interface VoltzClientOptions {
  /** LNbits origin, without /api/v1 (VOLTZ_URL). */
  baseUrl: string;
  adminKey: string;
  timeoutMs: number;
}

/** Raised by the read calls (getWallet, listPayments); never carries the key or the underlying axios error (whose config holds it). */
export class VoltzError extends Error {
  constructor(
    message: string,
    readonly category: 'configuration' | 'unavailable' | 'protocol',
  ) {
    super(message);
    this.name = 'VoltzError';
  }
}

const PAYMENT_HASH = /^[0-9a-f]{64}$/;
/** Payment lists can be long; anything beyond this is not an LNbits answer we want to hold in memory. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * Idle pooled connections are closed after this long (or the server's own
 * `Keep-Alive: timeout` hint minus 1 s, whichever is shorter), well inside
 * the idle timeouts of the servers in front of LNbits (uvicorn 5 s, nginx
 * 75 s, Cloudflare 900 s): reusing a socket the server has just closed would
 * turn a payment POST into an ECONNRESET "unknown" although nothing was sent
 * (safe — the status check settles it — but slow).
 */
const IDLE_SOCKET_MS = 2_000;

/**
 * The Voltz wallet (LNbits 0.12.x or 1.x REST API). Answers are read by the
 * pure classifiers; this class only moves bytes, over pooled keep-alive
 * connections (a new TCP + TLS handshake per payment costs more than the
 * payment's own work here).
 */
export class VoltzClient implements WalletPort, ProbedWalletPort {
  private readonly http: AxiosInstance;
  private readonly redact: (text: string) => string;

  constructor(private readonly options: VoltzClientOptions) {
    const secret = options.adminKey;
    this.redact = (text) => (secret.length > 0 ? text.split(secret).join('[redacted]') : text);
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      headers: { 'X-Api-Key': options.adminKey, Accept: 'application/json', 'User-Agent': 'pix-lightning-ledger' },
      timeout: options.timeoutMs,
      validateStatus: () => true,
      // A redirect from the wallet host means VOLTZ_URL is wrong; following it would resend the key and the payment elsewhere.
      maxRedirects: 0,
      proxy: false,
      maxContentLength: MAX_RESPONSE_BYTES,
      responseType: 'text',
      transformResponse: [(data: string) => data],
      httpAgent: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
      httpsAgent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    });
  }

  async pay(invoice: Invoice): Promise<PayOutcome> {
    const exchange = await this.exchange('POST', '/api/v1/payments', { out: true, bolt11: invoice.bolt11 });
    return this.scrub(classifyPayResponse(exchange));
  }

  async checkPayment(paymentHash: string): Promise<PaymentStatus> {
    if (!PAYMENT_HASH.test(paymentHash)) return { kind: 'unknown', reason: `"${clip(paymentHash, 80)}" is not a payment hash` };
    const exchange = await this.exchange('GET', `/api/v1/payments/${paymentHash}`);
    return this.scrub(classifyStatusResponse(exchange));
  }

  async getWallet(): Promise<WalletInfo> {
    const json = asObject(await this.readJson('/api/v1/wallet'));
    const balance = json?.balance;
    if (!json || typeof balance !== 'number' || !Number.isFinite(balance))
      throw new VoltzError('GET /api/v1/wallet: not an LNbits wallet answer', 'protocol');
    // LNbits reports the balance in msat (docs/lightning.md).
    return { name: typeof json.name === 'string' ? json.name : '', balanceMsat: Math.round(balance) };
  }

  /** An incoming 1-sat invoice: the POST path LNbits and Cloudflare must pass, with no money moving. */
  async createProbeInvoice(): Promise<void> {
    const exchange = await this.exchange('POST', '/api/v1/payments', { out: false, amount: 1, memo: 'probe' });
    if (exchange.kind === 'transport_error')
      throw new VoltzError(
        this.redact(`POST /api/v1/payments (probe invoice): ${exchange.code ?? 'error'}: ${exchange.message}`),
        'unavailable',
      );
    const json = asObject(parseJson(exchange.body));
    const detail = detailOf(json);
    if (exchange.httpStatus < 200 || exchange.httpStatus >= 300 || typeof json?.payment_hash !== 'string') {
      const said = `POST /api/v1/payments (probe invoice): HTTP ${exchange.httpStatus}${detail ? ` "${detail}"` : ''}`;
      throw new VoltzError(this.redact(said), exchange.httpStatus >= 200 && exchange.httpStatus < 300 ? 'protocol' : 'unavailable');
    }
  }

  /**
   * Success and pending payments, newest first (LNbits leaves failed ones out).
   * amountMsat keeps LNbits' sign: negative for outgoing payments, positive for incoming.
   */
  async listPayments(options: { limit: number; offset: number }): Promise<WalletPayment[]> {
    const json = await this.readJson(`/api/v1/payments?limit=${Math.trunc(options.limit)}&offset=${Math.trunc(options.offset)}`);
    if (!Array.isArray(json)) throw new VoltzError('GET /api/v1/payments: not a list', 'protocol');
    return json.flatMap((item): WalletPayment[] => {
      const payment = asObject(item);
      if (!payment || typeof payment.payment_hash !== 'string') return [];
      return [
        {
          paymentHash: payment.payment_hash,
          amountMsat: typeof payment.amount === 'number' ? Math.round(payment.amount) : 0,
          feeMsat: feeMsatOf(payment.fee),
          status: paymentStatusOf(payment),
          preimage: preimageOf(payment.preimage),
        },
      ];
    });
  }

  private async readJson(path: string): Promise<unknown> {
    const exchange = await this.exchange('GET', path);
    if (exchange.kind === 'transport_error')
      throw new VoltzError(this.redact(`GET ${path}: ${exchange.code ?? 'error'}: ${exchange.message}`), 'unavailable');
    const { httpStatus } = exchange;
    const body = parseJson(exchange.body);
    const detail = detailOf(asObject(body));
    const said = this.redact(`GET ${path}: HTTP ${httpStatus}${detail ? ` "${detail}"` : ''}`);
    if (httpStatus === 401 || httpStatus === 403 || httpStatus === 404 || (httpStatus >= 300 && httpStatus < 400)) {
      throw new VoltzError(`${said}: check VOLTZ_URL and VOLTZ_ADMIN_KEY`, 'configuration');
    }
    if (httpStatus < 200 || httpStatus >= 300) throw new VoltzError(said, 'unavailable');
    if (body === undefined) throw new VoltzError(`${said}: body is not JSON`, 'protocol');
    return body;
  }

  private async exchange(method: 'GET' | 'POST', path: string, data?: unknown): Promise<HttpExchange> {
    try {
      // The signal bounds the whole exchange; axios' timeout alone is an idle timer a slow drip of bytes keeps alive.
      const response = await this.http.request<string>({ method, url: path, data, signal: AbortSignal.timeout(this.options.timeoutMs) });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && value !== null) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      return { kind: 'response', httpStatus: response.status, headers, body: typeof response.data === 'string' ? response.data : '' };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'transport_error', code: typeof code === 'string' ? code : null, message: this.redact(message) };
    }
  }

  /** Reasons and 520 details quote server text; a server echoing the key must not get it into events or logs. */
  private scrub<T extends PayOutcome | PaymentStatus>(outcome: T): T {
    const scrubbed: T = { ...outcome };
    if ('reason' in scrubbed) scrubbed.reason = this.redact(scrubbed.reason);
    if ('http520' in scrubbed && scrubbed.http520?.source === 'lnbits')
      scrubbed.http520 = { ...scrubbed.http520, detail: this.redact(scrubbed.http520.detail) };
    return scrubbed;
  }
}

function paymentStatusOf(payment: Record<string, unknown>): WalletPayment['status'] {
  if (payment.status === 'success' || payment.status === 'pending' || payment.status === 'failed') return payment.status;
  // LNbits 0.12 has a pending flag instead of a status, and drops failed payments.
  return payment.pending === true ? 'pending' : 'success';
}
