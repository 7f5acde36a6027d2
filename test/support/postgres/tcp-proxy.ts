import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL, to break a
 * connection at a chosen moment. Armed with a marker, it watches what the
 * client sends: the chunk carrying the marker is forwarded (or dropped), and
 * the connection is cut as soon as the server answers it (or at once), so the
 * client never learns the statement's outcome.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cut: { marker: string; forward: boolean; done: () => void } | null = null;

  private constructor(
    private readonly target: { host: string; port: number },
    private readonly silent: boolean,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** `silent`: accept connections and never answer (a server that hangs). */
  static async start(targetUrl: string, options: { silent?: boolean } = {}): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port) }, options.silent ?? false);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The same URL, through this proxy. */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /**
   * The next chunk from a client that contains `marker` is forwarded to the
   * server (forward) or dropped; the connection is then cut before the
   * client hears anything more. Resolves once it has been cut.
   */
  cutAfter(marker: string, forward: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.cut = { marker, forward, done: resolve };
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.silent) return;
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    let cutting: (() => void) | null = null;
    const cutNow = () => {
      client.destroy();
      upstream.destroy();
      cutting?.();
    };
    client.on('data', (chunk: Buffer) => {
      const cut = this.cut;
      if (cut !== null && chunk.includes(cut.marker)) {
        this.cut = null;
        cutting = cut.done;
        if (!cut.forward) return cutNow();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // The server answered the marked statement: the client must never see it.
      if (cutting !== null) return cutNow();
      client.write(chunk);
    });
  }
}
