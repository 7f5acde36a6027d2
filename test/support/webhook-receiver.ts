import { createHmac, timingSafeEqual } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo, Socket } from 'net';

/** One request as the bot saw it, after checking its signature the way the bot does. */
export interface ReceivedWebhook {
  /** Parsed body; `raw` is the exact bytes that were signed. */
  body: { id: string; type: string; orderId: string; occurredAt: string; payout: Record<string, unknown> };
  raw: string;
  /** The request's path and query, as sent. */
  path: string;
  headers: IncomingMessage['headers'];
  timestamp: number;
  signatureValid: boolean;
  /** What the receiver answered (or 'hang' / 'reset'). */
  answer: Answer;
}

/** A status code, 'hang' (never answer: the sender must time out) or 'reset' (drop the connection). */
export type Answer = number | 'hang' | 'reset';

/** Decides the answer to a (validly signed) request; the default answers 200. */
export type Policy = (webhook: ReceivedWebhook, nth: number) => Answer;

interface Waiter {
  predicate: (webhook: ReceivedWebhook) => boolean;
  count: number;
  resolve: (matches: ReceivedWebhook[]) => void;
}

/** How far the signed timestamp may be from the receiver's clock, like a bot guarding against replays. */
const TOLERANCE_SECONDS = 300;

/**
 * A bot's webhook endpoint on 127.0.0.1 (node:http): verifies
 * `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
 * over the raw body with a constant-time compare, answers 401 to a bad
 * signature, and lets tests await requests instead of sleeping.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  policy: Policy = () => 200;
  private waiters: Waiter[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private boundPort = 0;

  private constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  static async start(secret: string, options: { port?: number; now?: () => number } = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret, options.now);
    await receiver.listen(options.port ?? 0);
    return receiver;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}/hooks/payouts?token=in-the-url`;
  }

  /** Requests (validly signed or not) matching `predicate`. */
  requests(predicate: (webhook: ReceivedWebhook) => boolean = () => true): ReceivedWebhook[] {
    return this.received.filter(predicate);
  }

  /** Requests for one delivery id. */
  for(id: string): ReceivedWebhook[] {
    return this.requests((webhook) => webhook.body.id === id);
  }

  /** Resolves once `count` requests matching `predicate` have arrived (counting earlier ones). */
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, count = 1): Promise<ReceivedWebhook[]> {
    const matches = this.requests(predicate);
    if (matches.length >= count) return Promise.resolve(matches);
    return new Promise((resolve) => this.waiters.push({ predicate, count, resolve }));
  }

  /** The first request of one order with one type. */
  async next(orderId: string, type: string): Promise<ReceivedWebhook> {
    const [first] = await this.waitFor((w) => w.body.orderId === orderId && w.body.type === type);
    return first;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every connection (the bot went down); `listen(port)` brings it back. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const { valid, timestamp } = this.verify(req.headers['x-signature'], raw);
      let body: ReceivedWebhook['body'];
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = { id: '', type: '', orderId: '', occurredAt: '', payout: {} };
      }
      const webhook: ReceivedWebhook = {
        body,
        raw: raw.toString('utf8'),
        path: req.url ?? '',
        headers: req.headers,
        timestamp,
        signatureValid: valid,
        answer: 401,
      };
      if (valid) {
        webhook.answer = this.policy(webhook, this.for(body.id).length + 1);
      }
      this.received.push(webhook);
      this.answer(webhook.answer, res);
      this.notify();
    });
  }

  private answer(answer: Answer, res: ServerResponse): void {
    if (answer === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (answer === 'reset') {
      res.socket?.destroy();
      return;
    }
    res.writeHead(answer, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: answer >= 200 && answer < 300 }));
  }

  /** What a bot does: parse the header, recompute the HMAC over "<t>.<raw body>", compare in constant time, bound the age. */
  private verify(header: string | string[] | undefined, raw: Buffer): { valid: boolean; timestamp: number } {
    if (typeof header !== 'string') return { valid: false, timestamp: NaN };
    const parts = new Map(
      header.split(',').map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
      }),
    );
    const t = parts.get('t') ?? '';
    const v1 = parts.get('v1') ?? '';
    const timestamp = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(timestamp) || !/^[0-9a-f]{64}$/.test(v1)) return { valid: false, timestamp };
    const expected = createHmac('sha256', this.secret)
      .update(Buffer.concat([Buffer.from(`${t}.`, 'utf8'), raw]))
      .digest();
    const fresh = Math.abs(this.now() / 1000 - timestamp) <= TOLERANCE_SECONDS;
    return { valid: fresh && timingSafeEqual(expected, Buffer.from(v1, 'hex')), timestamp };
  }

  private notify(): void {
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      const matches = this.requests(waiter.predicate);
      if (matches.length >= waiter.count) waiter.resolve(matches);
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
