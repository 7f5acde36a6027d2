import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { decode } from 'bolt11';
import { Clock } from '../../application/ports/clock.port';
import { BOLT11_NETWORKS, LightningNetwork } from '../../domain/destination/lightning-network';
import { mintInvoice, preimageOfMinted } from './invoice-minter';
import { SandboxWalletFile } from './sandbox-wallet-file';
import { FaultRule, PayFault, QueuedFault, StatusFault, WalletFault } from './sandbox-lnbits-faults';
import { ControllableLnbits, handleSandboxControl, LnbitsVersion } from './sandbox-lnbits-control';
import { readBody, sendCloudflarePage, sendJson, sendRaw, SandboxHttpServer } from './sandbox-http-server';
import { PaymentAttempt, SandboxPayment, SandboxPaymentStatus, SandboxWalletLedger } from './sandbox-wallet-ledger';

export interface SandboxLnbitsOptions {
  network: LightningNetwork;
  adminKey?: string;
  invoiceKey?: string;
  walletName?: string;
  /** Starting balance; default 1 BTC (1e11 msat). */
  balanceMsat?: number;
  /** Routing fee charged per successful payment; default 1 sat. */
  feeMsat?: number;
  version?: LnbitsVersion;
  clock?: Clock;
  port?: number;
  /** Where successful payments get their preimage; default: invoices minted in this process. */
  preimageFor?: (paymentHash: string) => string | undefined;
  /** Keeps the wallet's payments and balance across restarts (sandbox mode: DATA_DIR/sandbox-wallet.sqlite). */
  walletFile?: string;
}

/** A POST held by holdNextPayment(): `arrived` resolves once the wallet holds it; release() lets it go on (or drops it). */
export interface PaymentHold {
  arrived: Promise<{ paymentHash: string }>;
  release(options?: { process?: boolean }): void;
}

interface ArmedHold {
  payBeforeHold: boolean;
  arrive: (value: { paymentHash: string }) => void;
  released: Promise<{ process: boolean }>;
  release: (value: { process: boolean }) => void;
}

interface DecodedPayment {
  paymentHash: string;
  bolt11: string;
  amountMsat: number;
}

const NODE_FAILURE = 'Payment failed: sandbox: no route to the destination';
const DEFAULT_520_DETAIL: Record<'failed' | 'pending' | 'success', string> = {
  failed: NODE_FAILURE,
  pending: 'Payment is still pending.',
  success: 'Payment already paid.',
};
const DEFAULT_520_EFFECT = { failed: 'fail', pending: 'pend', success: 'pay' } as const;
const systemClock: Clock = { now: () => new Date() };

/**
 * An LNbits-compatible wallet on 127.0.0.1 (0.12.x or 1.x shapes): the REST
 * endpoints the Voltz client uses, with real BOLT11 decoding, a balance with
 * LNbits' fee reserve, duplicate protection, a ground-truth ledger of what
 * was really paid, and fault injection (see sandbox-lnbits-faults.ts; over
 * HTTP under /sandbox/..., no key needed: play money on loopback).
 */
export class SandboxLnbitsServer implements ControllableLnbits {
  private readonly ledger: SandboxWalletLedger;
  private readonly file: SandboxWalletFile | null;
  private readonly faults: QueuedFault[] = [];
  private readonly holds: ArmedHold[] = [];
  private readonly posts = new Map<string, number>();
  private nextFaultId = 1;
  private currentVersion: LnbitsVersion;
  readonly adminKey: string;
  readonly invoiceKey: string;

  private constructor(
    private readonly server: SandboxHttpServer,
    private readonly options: SandboxLnbitsOptions,
  ) {
    this.adminKey = options.adminKey ?? randomBytes(16).toString('hex');
    this.invoiceKey = options.invoiceKey ?? randomBytes(16).toString('hex');
    this.currentVersion = options.version ?? '1.x';
    this.file = options.walletFile ? new SandboxWalletFile(options.walletFile) : null;
    this.ledger = new SandboxWalletLedger(options.balanceMsat ?? 100_000_000_000, options.feeMsat ?? 1000, this.file);
  }

  static async start(options: SandboxLnbitsOptions): Promise<SandboxLnbitsServer> {
    let self: SandboxLnbitsServer | null = null;
    const server = await SandboxHttpServer.start((req, res) => self?.handle(req, res), options.port);
    self = new SandboxLnbitsServer(server, options);
    return self;
  }

  get url(): string {
    return this.server.url;
  }

  get version(): LnbitsVersion {
    return this.currentVersion;
  }

  setVersion(version: LnbitsVersion): void {
    this.currentVersion = version;
  }

  get balanceMsat(): number {
    return this.ledger.balanceMsat;
  }

  setBalance(msat: number): void {
    this.ledger.setBalance(msat);
  }

  topUp(msat: number): void {
    this.ledger.topUp(msat);
  }

  injectFault(rule: FaultRule): number {
    const id = this.nextFaultId++;
    this.faults.push({ id, rule, remaining: rule.times ?? 1 });
    return id;
  }

  pendingFaults(): QueuedFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Drops every queued rule, or only those naming `paymentHash`. */
  clearFaults(paymentHash?: string): void {
    const kept =
      paymentHash === undefined ? [] : this.faults.filter((f) => !('paymentHash' in f.rule) || f.rule.paymentHash !== paymentHash);
    this.faults.splice(0, this.faults.length, ...kept);
  }

  settlePending(paymentHash: string): boolean {
    return this.ledger.settle(paymentHash);
  }

  failPending(paymentHash: string): boolean {
    return this.ledger.fail(paymentHash);
  }

  /** A wallet that lies: a payment it reported failed turns out paid (the money leaves now). */
  succeedFailed(paymentHash: string): boolean {
    return this.ledger.succeedFailed(paymentHash);
  }

  /** Ground truth: every payment the wallet recorded, whatever the client was told. */
  payments(): SandboxPayment[] {
    return this.ledger.all();
  }

  /** msat that really left the wallet for this hash: its amount once settled, else 0. */
  paidTotalMsatFor(paymentHash: string): number {
    return this.ledger.paidTotalMsatFor(paymentHash);
  }

  /** How many pay POSTs reached the wallet (for one hash, or in all). */
  postCount(paymentHash?: string): number {
    if (paymentHash !== undefined) return this.posts.get(paymentHash) ?? 0;
    return [...this.posts.values()].reduce((a, b) => a + b, 0);
  }

  /**
   * Holds the next pay POST: with payBeforeHold the payment is made first
   * (a process killed now has paid), without it nothing happens until
   * release() (release({ process: false }) drops the request unpaid).
   */
  holdNextPayment(options: { payBeforeHold?: boolean } = {}): PaymentHold {
    let arrive: ArmedHold['arrive'] = () => undefined;
    let release: ArmedHold['release'] = () => undefined;
    const arrived = new Promise<{ paymentHash: string }>((resolve) => (arrive = resolve));
    const released = new Promise<{ process: boolean }>((resolve) => (release = resolve));
    this.holds.push({ payBeforeHold: options.payBeforeHold ?? false, arrive, released, release });
    return { arrived, release: (o = {}) => release({ process: o.process ?? true }) };
  }

  async close(): Promise<void> {
    for (const hold of this.holds) hold.release({ process: false });
    this.holds.length = 0;
    await this.server.close();
    this.file?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/\/+$/, '');
    if (path.startsWith('/sandbox/')) return handleSandboxControl(this, req, res, path);
    const key = this.keyKind(req);
    if (key === 'missing') return sendJson(res, 401, { detail: 'Missing API key.' });
    if (key === 'unknown') return sendJson(res, 404, { detail: 'Wallet not found.' });
    if (req.method === 'GET' && path === '/api/v1/wallet') {
      const fault = this.takeFault('wallet', null) as WalletFault | null;
      if (fault) return answerReadFault(req, res, fault);
      return sendJson(res, 200, {
        id: 'sandbox-wallet',
        name: this.options.walletName ?? 'Sandbox wallet',
        balance: this.ledger.balanceMsat,
      });
    }
    if (req.method === 'POST' && path === '/api/v1/payments') {
      const body = parseBody(await readBody(req));
      // An incoming invoice (out: false) moves no money: LNbits creates it with the invoice key as well.
      if (body?.out === false) return this.createInvoice(req, res, body);
      if (key !== 'admin') return sendJson(res, this.currentVersion === '0.12' ? 401 : 403, { detail: 'Invalid adminkey.' });
      return this.pay(req, res, body);
    }
    if (req.method === 'GET' && path === '/api/v1/payments') return this.list(res, url.searchParams);
    const status = /^\/api\/v1\/payments\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && status) return this.status(req, res, status[1]);
    sendJson(res, 404, { detail: 'Not Found' });
  }

  private keyKind(req: IncomingMessage): 'admin' | 'invoice' | 'missing' | 'unknown' {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || key.length === 0) return 'missing';
    if (key === this.adminKey) return 'admin';
    return key === this.invoiceKey ? 'invoice' : 'unknown';
  }

  /** Injected POST faults hit invoice creation too: Cloudflare and the node do not tell the two apart. */
  private createInvoice(req: IncomingMessage, res: ServerResponse, body: PaymentsBody): void {
    const fault = this.takeFault('pay', null) as PayFault | null;
    if (fault) return this.answerWithFault(req, res, fault, null);
    const amount = body.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1)
      return sendJson(res, 400, { detail: 'Amount must be a positive whole number of sats.' });
    const invoice = mintInvoice({
      network: this.options.network,
      amountMsat: amount * 1000,
      description: typeof body.memo === 'string' ? body.memo : '',
    });
    sendJson(res, 201, { payment_hash: invoice.paymentHash, payment_request: invoice.bolt11, checking_id: invoice.paymentHash });
  }

  private async pay(req: IncomingMessage, res: ServerResponse, body: PaymentsBody | null): Promise<void> {
    const legacy = this.currentVersion === '0.12';
    const decoded = body?.out === true && typeof body.bolt11 === 'string' ? this.decodeInvoice(body.bolt11) : null;
    const payable = decoded !== null && decoded !== 'amountless' ? decoded : null;
    if (payable) this.posts.set(payable.paymentHash, (this.posts.get(payable.paymentHash) ?? 0) + 1);

    const hold = payable ? this.holds.shift() : undefined;
    if (payable && hold) {
      const paidFirst = hold.payBeforeHold ? this.attempt(payable, 'success') : null;
      hold.arrive({ paymentHash: payable.paymentHash });
      const { process } = await hold.released;
      if (!process) return void req.socket.destroy();
      if (paidFirst) return this.sendAttempt(res, paidFirst);
    }

    // Faults model the network and the node as well as LNbits, so they apply to any request;
    // money can only move when the request carried a payable invoice.
    const fault = this.takeFault('pay', payable?.paymentHash ?? null) as PayFault | null;
    if (fault) return this.answerWithFault(req, res, fault, payable);
    if (!body || body.out !== true || typeof body.bolt11 !== 'string' || body.bolt11.length === 0) {
      return sendJson(res, 400, { detail: 'BOLT11 string is invalid or not given' });
    }
    if (decoded === null)
      return legacy
        ? sendJson(res, 400, { detail: 'Bolt11 decoding failed.' })
        : sendJson(res, 520, { detail: 'Bolt11 decoding failed.', status: 'failed' });
    if (decoded === 'amountless') {
      return legacy
        ? sendJson(res, 400, { detail: 'Amountless invoices not supported.' })
        : sendJson(res, 520, { detail: 'Amountless invoices not supported.', status: 'failed' });
    }
    this.sendAttempt(res, this.attempt(decoded, 'success'));
  }

  private answerWithFault(req: IncomingMessage, res: ServerResponse, fault: PayFault, payable: DecodedPayment | null): void {
    const pay = (outcome: SandboxPaymentStatus, settleAfterChecks?: number) =>
      payable ? this.attempt(payable, outcome, settleAfterChecks) : null;
    switch (fault.kind) {
      case 'lnbits_520': {
        const effect = fault.effect ?? DEFAULT_520_EFFECT[fault.lnbitsStatus];
        const attempt =
          effect === 'none' ? null : pay(effect === 'pay' ? 'success' : effect === 'pend' ? 'pending' : 'failed', fault.settleAfterChecks);
        // Real LNbits answers its own checks (balance, duplicate) before the payment can fail in the injected way.
        if (attempt && attempt.kind !== 'recorded') return this.sendAttempt(res, attempt);
        const detail = fault.detail ?? DEFAULT_520_DETAIL[fault.lnbitsStatus];
        // 0.12 never sent a status field with its 520s.
        return sendJson(res, 520, this.currentVersion === '0.12' ? { detail } : { detail, status: fault.lnbitsStatus });
      }
      case 'cloudflare':
        if (fault.paid) pay('success');
        return sendCloudflarePage(res, fault.httpStatus ?? 520);
      case 'hang':
        // The answer is never written; the client gives up, and close() destroys the socket.
        if (fault.paid ?? true) pay('success');
        return;
      case 'reset':
        if (fault.paid) pay('success');
        return void req.socket.destroy();
      case 'pending': {
        const attempt = pay('pending', fault.settleAfterChecks);
        return attempt ? this.sendAttempt(res, attempt) : sendJson(res, 400, { detail: 'BOLT11 string is invalid or not given' });
      }
      case 'http':
        if (fault.paid) pay('success');
        return sendRaw(res, fault.httpStatus, fault.body, fault.headers);
    }
  }

  private attempt(decoded: DecodedPayment, outcome: SandboxPaymentStatus, settleAfterChecks?: number): PaymentAttempt {
    const preimage = (this.options.preimageFor ?? preimageOfMinted)(decoded.paymentHash) ?? null;
    return this.ledger.attempt({
      ...decoded,
      outcome,
      preimage,
      settleAfterChecks: settleAfterChecks ?? null,
      allowRetryOfFailed: this.currentVersion === '0.12',
      now: (this.options.clock ?? systemClock).now(),
    });
  }

  /** The answer the real LNbits version gives for what the ledger did. */
  private sendAttempt(res: ServerResponse, attempt: PaymentAttempt): void {
    const legacy = this.currentVersion === '0.12';
    switch (attempt.kind) {
      case 'insufficient_balance':
        return legacy
          ? sendJson(res, 403, { detail: 'Insufficient balance.' })
          : sendJson(res, 520, { detail: 'Insufficient balance.', status: 'failed' });
      case 'fee_reserve': {
        const detail = `You must reserve at least (${attempt.reserveSats} sat) to cover potential routing fees.`;
        return sendJson(res, 520, legacy ? { detail } : { detail, status: 'failed' });
      }
      case 'duplicate':
        if (legacy) return sendJson(res, 520, { detail: 'Could not make payment.' });
        if (attempt.existing.status === 'pending') return sendJson(res, 520, { detail: 'Payment is still pending.', status: 'pending' });
        if (attempt.existing.status === 'success') return sendJson(res, 520, { detail: 'Payment already paid.', status: 'success' });
        return sendJson(res, 520, { detail: 'Payment is failed node, retrying is not possible.', status: 'failed' });
      case 'recorded': {
        const payment = attempt.payment;
        if (payment.status === 'failed')
          return sendJson(res, 520, legacy ? { detail: NODE_FAILURE } : { detail: NODE_FAILURE, status: 'failed' });
        if (legacy) return sendJson(res, 201, { payment_hash: payment.paymentHash, checking_id: payment.paymentHash });
        return sendJson(res, 201, this.paymentJson(payment));
      }
    }
  }

  private status(req: IncomingMessage, res: ServerResponse, paymentHash: string): void {
    const fault = this.takeFault('status', paymentHash) as StatusFault | null;
    if (fault?.kind === 'not_found') return sendJson(res, 404, { detail: 'Payment does not exist.' });
    if (fault) return answerReadFault(req, res, fault);
    this.ledger.noteStatusCheck(paymentHash);
    const payment = this.ledger.get(paymentHash);
    // 0.12 deleted failed payments, so their hash reads as unknown.
    if (!payment || (this.currentVersion === '0.12' && payment.status === 'failed'))
      return sendJson(res, 404, { detail: 'Payment does not exist.' });
    const paid = payment.status === 'success';
    if (this.currentVersion === '0.12') return sendJson(res, 200, { paid, preimage: payment.preimage, details: this.paymentJson(payment) });
    sendJson(res, 200, { paid, status: payment.status, preimage: payment.preimage, details: this.paymentJson(payment) });
  }

  /** LNbits lists success and pending payments, newest first, never failed ones. */
  private list(res: ServerResponse, query: URLSearchParams): void {
    const limit = Math.max(0, Number(query.get('limit') ?? 100) || 0);
    const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
    const visible = this.ledger
      .all()
      .filter((p) => p.status !== 'failed')
      .reverse()
      .slice(offset, offset + limit);
    sendJson(
      res,
      200,
      visible.map((p) => this.paymentJson(p)),
    );
  }

  private paymentJson(payment: SandboxPayment): Record<string, unknown> {
    const fee = payment.status === 'pending' ? payment.reserveMsat : payment.feeMsat;
    const common = {
      checking_id: payment.paymentHash,
      payment_hash: payment.paymentHash,
      wallet_id: 'sandbox-wallet',
      amount: -payment.amountMsat,
      fee: -fee,
      bolt11: payment.bolt11,
      memo: 'sandbox payout',
      extra: {},
    };
    if (this.currentVersion === '0.12') {
      return {
        ...common,
        pending: payment.status === 'pending',
        preimage: payment.preimage ?? '0'.repeat(64),
        time: Math.floor(Date.parse(payment.createdAt) / 1000),
      };
    }
    return { ...common, status: payment.status, preimage: payment.preimage, time: payment.createdAt };
  }

  private decodeInvoice(bolt11: string): DecodedPayment | 'amountless' | null {
    try {
      const normalized = bolt11.trim().toLowerCase();
      const decoded = decode(normalized, BOLT11_NETWORKS[this.options.network]);
      const paymentHash = decoded.tagsObject.payment_hash;
      if (typeof paymentHash !== 'string') return null;
      if (!decoded.millisatoshis) return 'amountless';
      return { paymentHash, bolt11: normalized, amountMsat: Number(decoded.millisatoshis) };
    } catch {
      return null;
    }
  }

  /** The first queued rule for this endpoint and hash (a null hash only matches rules without one), used up after `times`. */
  private takeFault(endpoint: FaultRule['endpoint'], paymentHash: string | null): PayFault | StatusFault | WalletFault | null {
    const index = this.faults.findIndex(
      (f) =>
        f.rule.endpoint === endpoint &&
        ('paymentHash' in f.rule ? f.rule.paymentHash === undefined || f.rule.paymentHash === paymentHash : true),
    );
    if (index < 0) return null;
    const queued = this.faults[index];
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.rule.fault;
  }
}

type PaymentsBody = { out?: unknown; bolt11?: unknown; amount?: unknown; memo?: unknown };

function parseBody(text: string): PaymentsBody | null {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? (body as PaymentsBody) : null;
  } catch {
    return null;
  }
}

/** A read (status check, wallet) answered by a fault: a Cloudflare page, silence, a reset or any raw answer. */
function answerReadFault(req: IncomingMessage, res: ServerResponse, fault: WalletFault): void {
  switch (fault.kind) {
    case 'cloudflare':
      return sendCloudflarePage(res, fault.httpStatus ?? 520);
    case 'hang':
      return;
    case 'reset':
      return void req.socket.destroy();
    case 'http':
      return sendRaw(res, fault.httpStatus, fault.body, fault.headers);
  }
}
