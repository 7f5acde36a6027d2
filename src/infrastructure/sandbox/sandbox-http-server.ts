import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type SandboxHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * A node:http server on 127.0.0.1 (port 0 = any free port) that can always
 * be closed: close() cancels the delays it scheduled and destroys open
 * connections, including responses deliberately left hanging, so jest sees
 * no open handles.
 */
export class SandboxHttpServer {
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(handler: SandboxHandler, port = 0): Promise<SandboxHttpServer> {
    const server = http.createServer((req, res) => {
      Promise.resolve(handler(req, res)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { detail: `sandbox error: ${error instanceof Error ? error.message : String(error)}` });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: actual } = server.address() as AddressInfo;
    return new SandboxHttpServer(server, `http://127.0.0.1:${actual}`);
  }

  /** A delay that close() cancels. */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; a larger body rejects. */
export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What Cloudflare serves when the origin fails it (520) or times out (524): HTML, Server: cloudflare, a CF-RAY id. */
export function sendCloudflarePage(res: ServerResponse, status: number): void {
  const ray = `${randomBytes(8).toString('hex')}-GRU`;
  const title = status === 524 ? 'A timeout occurred' : 'Web server is returning an unknown error';
  const html =
    `<!DOCTYPE html><html><head><title>${title} | ` +
    `Cloudflare</title></head><body><h1>${title}</h1><p>Error code ${status}</p><p>Cloudflare Ray ID: ` +
    `${ray.split('-')[0]}</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': Buffer.byteLength(html),
    Server: 'cloudflare',
    'CF-RAY': ray,
  });
  res.end(html);
}

/** A string body is sent as is, anything else as JSON. */
export function sendRaw(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (typeof body === 'string') return sendText(res, status, body, headers);
  sendJson(res, status, body, headers);
}
