import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { VoltzClient, VoltzError } from './voltz-client';

export type DiagnosticCheckName = 'dns' | 'tcp' | 'tls' | 'wallet' | 'pay_permission';

export interface DiagnosticCheck {
  name: DiagnosticCheckName;
  ok: boolean;
  ms: number;
  detail: string;
}

export type DiagnosticVerdict = 'ok' | 'degraded' | 'down' | 'misconfigured';

export interface VoltzDiagnostics {
  verdict: DiagnosticVerdict;
  /** The wallet URL without credentials, query or fragment. Never the key. */
  target: string;
  checks: DiagnosticCheck[];
}

interface CheckResult {
  ok: boolean;
  detail: string;
  /** What a failure of this check means for the verdict. */
  failure?: Exclude<DiagnosticVerdict, 'ok'>;
}

const VERDICT_WEIGHT: Record<DiagnosticVerdict, number> = { ok: 0, degraded: 1, down: 2, misconfigured: 3 };

/**
 * Walks the path to the wallet one layer at a time (DNS, TCP, TLS, the
 * wallet API with the key, the key's right to pay) so an operator sees
 * where it breaks. Each check has the request timeout; once a layer fails
 * the layers above it are reported as skipped. No payment is ever made.
 */
export async function runVoltzDiagnostics(options: { baseUrl: string; adminKey: string; timeoutMs: number }): Promise<VoltzDiagnostics> {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { verdict: 'misconfigured', target: '(invalid VOLTZ_URL)', checks: [] };
  }
  const target = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const client = new VoltzClient(options);
  let address = hostname;

  const steps: [DiagnosticCheckName, () => Promise<CheckResult>][] = [
    [
      'dns',
      async () => {
        if (isIP(hostname)) return { ok: true, detail: `literal address ${hostname}` };
        const addresses = await withDeadline(lookup(hostname, { all: true }), options.timeoutMs, 'DNS lookup');
        address = addresses[0].address;
        return { ok: true, detail: addresses.map((a) => a.address).join(', ') };
      },
    ],
    [
      'tcp',
      async () => {
        await openAndClose(() => new Socket().connect(port, address), 'connect', options.timeoutMs);
        return { ok: true, detail: `connected to ${address}:${port}` };
      },
    ],
    [
      'tls',
      async () => {
        if (url.protocol === 'http:') return { ok: true, detail: 'not applicable: plain http://' };
        const socket = await openAndClose(
          () => tlsConnect({ host: address, port, servername: isIP(hostname) ? undefined : hostname }),
          'secureConnect',
          options.timeoutMs,
        );
        const certificate = (socket as TLSSocket).getPeerCertificate();
        return {
          ok: true,
          detail:
            `${(socket as TLSSocket).getProtocol() ?? 'TLS'}, certificate for ` +
            `${certificate.subject?.CN ?? '?'} valid until ${certificate.valid_to ?? '?'}`,
        };
      },
    ],
    [
      'wallet',
      async () => {
        try {
          const wallet = await client.getWallet();
          return {
            ok: true,
            detail: `wallet "${wallet.name}", balance ${wallet.balanceMsat} msat (${Math.floor(wallet.balanceMsat / 1000)} sat)`,
          };
        } catch (error) {
          if (!(error instanceof VoltzError)) throw error;
          return {
            ok: false,
            detail: error.message,
            failure: error.category === 'configuration' ? 'misconfigured' : error.category === 'unavailable' ? 'down' : 'degraded',
          };
        }
      },
    ],
    ['pay_permission', () => probePayPermission(client)],
  ];

  const checks: DiagnosticCheck[] = [];
  let verdict: DiagnosticVerdict = 'ok';
  let blockedBy: string | null = null;
  for (const [name, run] of steps) {
    if (blockedBy) {
      checks.push({ name, ok: false, ms: 0, detail: `skipped: ${blockedBy} failed` });
      continue;
    }
    const started = performance.now();
    let result: CheckResult;
    try {
      result = await run();
    } catch (error) {
      result = { ok: false, detail: errorText(error), failure: 'down' };
    }
    checks.push({ name, ok: result.ok, ms: Math.round(performance.now() - started), detail: result.detail });
    if (!result.ok) {
      const failure = result.failure ?? 'down';
      if (VERDICT_WEIGHT[failure] > VERDICT_WEIGHT[verdict]) verdict = failure;
      // Without a connection or a usable key, the layers above cannot tell anything.
      if (name !== 'pay_permission' && failure !== 'degraded') blockedBy = name;
    }
  }
  return { verdict, target, checks };
}

/**
 * Whether the key may pay, without paying: POST /api/v1/payments with
 * {out: true, bolt11: ""}. An empty string is no invoice: LNbits 1.x refuses
 * it with 400 before decoding, older versions fail decoding it (520/400), so
 * no version can turn it into a payment. Auth runs first, so 401/403/404
 * means the key cannot pay; a refusal of the empty invoice means it can.
 */
async function probePayPermission(client: VoltzClient): Promise<CheckResult> {
  const outcome = await client.pay({ bolt11: '', paymentHash: '', amountMsat: 0, expiresAt: '' });
  switch (outcome.kind) {
    case 'rejected':
      if (outcome.category === 'configuration')
        return { ok: false, detail: `the key cannot pay: ${outcome.reason}`, failure: 'misconfigured' };
      return { ok: true, detail: `admin key accepted (empty invoice refused: ${outcome.reason})` };
    case 'failed':
      return { ok: true, detail: `admin key accepted (empty invoice refused: ${outcome.reason})` };
    case 'unknown':
    case 'pending':
      return { ok: false, detail: `could not tell: ${outcome.reason}`, failure: 'degraded' };
    case 'settled':
      return { ok: false, detail: 'the wallet claims an empty invoice was paid', failure: 'degraded' };
  }
}

function openAndClose<T extends Socket>(open: () => T, readyEvent: 'connect' | 'secureConnect', timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = open();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ${readyEvent === 'connect' ? 'TCP connection' : 'TLS handshake'} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
