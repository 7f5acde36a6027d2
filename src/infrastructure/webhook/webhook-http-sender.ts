import * as http from 'http';
import * as https from 'https';

class WebhookTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'WebhookTimeoutError';
  }
}

export interface WebhookPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the attempt (shutdown). */
  signal?: AbortSignal;
}

/**
 * One POST with node:http(s): the exact bytes given, no redirects followed
 * (a 3xx is just another non-2xx), one deadline for connect + answer.
 * Resolves with the status code once the answer is read; rejects on
 * timeout, connection errors and abort. The answer's body is discarded.
 */
export class WebhookHttpSender {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };

  post(request: WebhookPost): Promise<number> {
    const url = new URL(request.url);
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const client = protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body, 'utf8');
    return new Promise<number>((resolve, reject) => {
      let status: number | null = null;
      let done = false;
      const finish = (error: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (status !== null) resolve(status);
        else reject(error ?? new Error('connection closed before an answer'));
      };
      const req = client.request(url, {
        method: 'POST',
        agent: this.agents[protocol],
        headers: { ...request.headers, 'Content-Length': String(body.length) },
        signal: request.signal,
      });
      const timer = setTimeout(() => {
        // Past the deadline even a status already read does not count: the answer never completed.
        status = null;
        const error = new WebhookTimeoutError(request.timeoutMs);
        req.destroy(error);
        finish(error);
      }, request.timeoutMs);
      timer.unref();
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        res.on('end', () => finish(null));
        res.on('error', (error) => finish(error));
        res.on('close', () => finish(null));
        res.resume();
      });
      req.on('error', (error) => finish(error));
      req.end(body);
    });
  }

  /** Closes kept-alive sockets: no open handle survives shutdown. */
  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }
}
