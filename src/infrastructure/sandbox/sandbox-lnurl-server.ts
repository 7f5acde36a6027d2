import { IncomingMessage, ServerResponse } from 'node:http';
import { Clock } from '../../application/ports/clock.port';
import { LightningNetwork } from '../../domain/destination/lightning-network';
import { forgeBadSignature, MintedInvoice, mintInvoice, sha256Hex } from './invoice-minter';
import { sendJson, sendText, SandboxHttpServer } from './sandbox-http-server';

/**
 * Misbehaving users of the sandbox Lightning Address server, chosen by the
 * username (the part before an optional `+tag`, so `flaky+t1@...` is a flaky
 * user with its own counter). Every other username behaves well.
 */
const LNURL_MISBEHAVIOURS = {
  wrongamount: 'invoice for 1 sat more than requested',
  othernetwork: 'invoice for another network (testnet when the sandbox is on bitcoin, else bitcoin)',
  expired: 'invoice that expired an hour ago',
  badsignature: 'invoice whose signature does not verify (checksum intact)',
  amountless: 'invoice without an amount',
  error: 'callback answers {"status":"ERROR","reason":...}',
  errorfirst: 'payRequest itself answers {"status":"ERROR","reason":...}',
  notfound: 'payRequest answers HTTP 404 with an LNURL ERROR body',
  garbage: 'payRequest answers HTTP 200 with a non-JSON body',
  badmetadata: 'metadata has no text/plain entry',
  outofrange: 'maxSendable is 1 sat, so any larger payout is out of range',
  slow: 'payRequest answers only after slowMs (default 5 s): exceeds a client timeout',
  oversized: 'payRequest body of oversizedBytes (default 200 KB): exceeds the response cap',
  redirect: 'payRequest redirects (302) to http://169.254.169.254/latest/meta-data/',
  privatecallback: 'callback on another loopback origin (https://127.0.0.1:9/...): not the override origin',
  localhostcallback: 'callback on https://localhost:<port>/...: a name resolving to loopback',
  flaky: 'payRequest answers HTTP 503 the first flakyFailures times (default 2), then behaves',
  reissue: 'the callback hands out the same invoice every time (a server stuck on one invoice)',
  shortlived: 'invoices valid for shortlivedSeconds only (default 180 s)',
} as const;

export type LnurlMisbehaviour = keyof typeof LNURL_MISBEHAVIOURS;

export interface SandboxLnurlOptions {
  network: LightningNetwork;
  domain?: string;
  clock?: Clock;
  port?: number;
  slowMs?: number;
  oversizedBytes?: number;
  flakyFailures?: number;
  /** Expiry of the `shortlived` user's invoices, seconds. */
  shortlivedSeconds?: number;
  /** Expiry of minted invoices, seconds. */
  invoiceExpirySeconds?: number;
  minSendableMsat?: number;
  maxSendableMsat?: number;
}

export interface SandboxMintedInvoice extends MintedInvoice {
  username: string;
}

const systemClock: Clock = { now: () => new Date() };

/** A Lightning Address (LUD-16/LUD-06) server that mints real signed BOLT11 invoices on 127.0.0.1. */
export class SandboxLnurlServer {
  private readonly mintedInvoices: SandboxMintedInvoice[] = [];
  private readonly flakyCounts = new Map<string, number>();
  private readonly options: Required<Omit<SandboxLnurlOptions, 'port'>>;

  private constructor(
    private readonly server: SandboxHttpServer,
    options: SandboxLnurlOptions,
  ) {
    this.options = {
      network: options.network,
      domain: options.domain ?? 'sandbox.pix-lightning.test',
      clock: options.clock ?? systemClock,
      slowMs: options.slowMs ?? 5000,
      oversizedBytes: options.oversizedBytes ?? 200_000,
      flakyFailures: options.flakyFailures ?? 2,
      shortlivedSeconds: options.shortlivedSeconds ?? 180,
      invoiceExpirySeconds: options.invoiceExpirySeconds ?? 3600,
      minSendableMsat: options.minSendableMsat ?? 1000,
      maxSendableMsat: options.maxSendableMsat ?? 100_000_000_000,
    };
  }

  static async start(options: SandboxLnurlOptions): Promise<SandboxLnurlServer> {
    let self: SandboxLnurlServer | null = null;
    const server = await SandboxHttpServer.start((req, res) => self?.handle(req, res), options.port);
    self = new SandboxLnurlServer(server, options);
    return self;
  }

  get baseUrl(): string {
    return this.server.url;
  }

  get domain(): string {
    return this.options.domain;
  }

  /** Every invoice minted so far, in order, with its preimage. */
  minted(): SandboxMintedInvoice[] {
    return [...this.mintedInvoices];
  }

  preimageFor(paymentHash: string): string | undefined {
    return this.mintedInvoices.find((m) => m.paymentHash === paymentHash)?.preimage;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (req.method !== 'GET') return sendJson(res, 405, { status: 'ERROR', reason: 'GET only' });
    if (url.pathname === '/sandbox/users') return sendJson(res, 200, LNURL_MISBEHAVIOURS);
    if (url.pathname === '/sandbox/invoices') return sendJson(res, 200, this.minted());
    const payRequest = /^\/\.well-known\/lnurlp\/([^/]+)$/.exec(url.pathname);
    if (payRequest) return this.payRequest(res, decodeURIComponent(payRequest[1]));
    const callback = /^\/lnurlp\/([^/]+)\/callback$/.exec(url.pathname);
    if (callback) return this.callback(res, decodeURIComponent(callback[1]), url.searchParams.get('amount'));
    sendJson(res, 404, { status: 'ERROR', reason: 'not found' });
  }

  private async payRequest(res: ServerResponse, username: string): Promise<void> {
    const behaviour = misbehaviourOf(username);
    switch (behaviour) {
      case 'notfound':
        return sendJson(res, 404, { status: 'ERROR', reason: `unknown user ${username}` });
      case 'errorfirst':
        return sendJson(res, 200, { status: 'ERROR', reason: 'this account cannot receive payments' });
      case 'garbage':
        return sendText(res, 200, '<html>not an LNURL answer</html>');
      case 'redirect':
        res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' });
        return void res.end();
      case 'slow':
        await this.server.delay(this.options.slowMs);
        break;
      case 'flaky': {
        const seen = this.flakyCounts.get(username) ?? 0;
        this.flakyCounts.set(username, seen + 1);
        if (seen < this.options.flakyFailures) return sendText(res, 503, 'temporarily unavailable');
        break;
      }
      default:
        break;
    }
    const metadata = this.metadataFor(username, behaviour);
    const body: Record<string, unknown> = {
      tag: 'payRequest',
      callback: this.callbackUrlFor(username, behaviour),
      minSendable: this.options.minSendableMsat,
      maxSendable: behaviour === 'outofrange' ? this.options.minSendableMsat : this.options.maxSendableMsat,
      metadata,
      commentAllowed: 0,
    };
    if (behaviour === 'oversized') body.padding = 'x'.repeat(this.options.oversizedBytes);
    sendJson(res, 200, body);
  }

  private callback(res: ServerResponse, username: string, amountParam: string | null): void {
    const behaviour = misbehaviourOf(username);
    const amountMsat = Number(amountParam);
    if (
      !amountParam ||
      !Number.isSafeInteger(amountMsat) ||
      amountMsat < this.options.minSendableMsat ||
      amountMsat > this.options.maxSendableMsat
    ) {
      return sendJson(res, 400, {
        status: 'ERROR',
        reason: `amount must be ${this.options.minSendableMsat}..${this.options.maxSendableMsat} msat`,
      });
    }
    if (behaviour === 'error') return sendJson(res, 200, { status: 'ERROR', reason: 'cannot create an invoice right now' });
    const reissued = behaviour === 'reissue' ? this.mintedInvoices.find((m) => m.username === username) : undefined;
    if (reissued) return sendJson(res, 200, { pr: reissued.bolt11, routes: [] });
    const nowSeconds = Math.floor(this.options.clock.now().getTime() / 1000);
    const otherNetwork: LightningNetwork = this.options.network === 'bitcoin' ? 'testnet' : 'bitcoin';
    const minted = mintInvoice({
      network: behaviour === 'othernetwork' ? otherNetwork : this.options.network,
      amountMsat: behaviour === 'amountless' ? null : behaviour === 'wrongamount' ? amountMsat + 1000 : amountMsat,
      timestamp: behaviour === 'expired' ? nowSeconds - 7200 : nowSeconds,
      expirySeconds: behaviour === 'shortlived' ? this.options.shortlivedSeconds : this.options.invoiceExpirySeconds,
      purposeCommitHash: sha256Hex(this.metadataFor(username, behaviour)),
    });
    const bolt11 = behaviour === 'badsignature' ? forgeBadSignature(minted.bolt11, 'recovery_id') : minted.bolt11;
    this.mintedInvoices.push({ ...minted, bolt11, username });
    sendJson(res, 200, { pr: bolt11, routes: [] });
  }

  private metadataFor(username: string, behaviour: LnurlMisbehaviour | null): string {
    const identifier = ['text/identifier', `${username}@${this.options.domain}`];
    if (behaviour === 'badmetadata') return JSON.stringify([identifier]);
    return JSON.stringify([['text/plain', `Payout to ${username}`], identifier]);
  }

  private callbackUrlFor(username: string, behaviour: LnurlMisbehaviour | null): string {
    const path = `/lnurlp/${encodeURIComponent(username)}/callback`;
    if (behaviour === 'privatecallback') return `https://127.0.0.1:9${path}`;
    if (behaviour === 'localhostcallback') return `https://localhost:${new URL(this.baseUrl).port}${path}`;
    return `${this.baseUrl}${path}`;
  }
}

function misbehaviourOf(username: string): LnurlMisbehaviour | null {
  const base = username.split('+')[0];
  return Object.prototype.hasOwnProperty.call(LNURL_MISBEHAVIOURS, base) ? (base as LnurlMisbehaviour) : null;
}
