import { IncomingMessage, ServerResponse } from 'node:http';
import { FaultRule, faultRuleProblem, QueuedFault } from './sandbox-lnbits-faults';
import { readBody, sendJson } from './sandbox-http-server';
import { SandboxPayment } from './sandbox-wallet-ledger';

/** The LNbits API shapes the sandbox can answer in. */
export type LnbitsVersion = '1.x' | '0.12';

/** What the fault API drives: the sandbox LNbits server, named here so the server can route to this file. */
export interface ControllableLnbits {
  readonly version: LnbitsVersion;
  readonly balanceMsat: number;
  setVersion(version: LnbitsVersion): void;
  setBalance(msat: number): void;
  topUp(msat: number): void;
  injectFault(rule: FaultRule): number;
  pendingFaults(): QueuedFault[];
  clearFaults(): void;
  settlePending(paymentHash: string): boolean;
  failPending(paymentHash: string): boolean;
  succeedFailed(paymentHash: string): boolean;
  payments(): SandboxPayment[];
}

/** The HTTP face of the fault API, for driving a running sandbox from outside (bot authors, other processes). */
export async function handleSandboxControl(
  lnbits: ControllableLnbits,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const json = async (): Promise<unknown> => {
    try {
      return JSON.parse((await readBody(req)) || 'null');
    } catch {
      return undefined;
    }
  };
  if (path === '/sandbox/faults' && req.method === 'GET') return sendJson(res, 200, lnbits.pendingFaults());
  if (path === '/sandbox/faults' && req.method === 'DELETE') {
    lnbits.clearFaults();
    return sendJson(res, 200, { cleared: true });
  }
  if (path === '/sandbox/faults' && req.method === 'POST') {
    const rule = await json();
    const problem = faultRuleProblem(rule);
    if (problem) return sendJson(res, 400, { detail: problem });
    return sendJson(res, 201, { id: lnbits.injectFault(rule as FaultRule) });
  }
  if (path === '/sandbox/payments' && req.method === 'GET') return sendJson(res, 200, lnbits.payments());
  const transition = /^\/sandbox\/payments\/([0-9a-f]{64})\/(settle|fail|succeed-failed)$/.exec(path);
  if (transition && req.method === 'POST') {
    const [, hash, action] = transition;
    const done =
      action === 'settle' ? lnbits.settlePending(hash) : action === 'fail' ? lnbits.failPending(hash) : lnbits.succeedFailed(hash);
    return done
      ? sendJson(res, 200, { ok: true })
      : sendJson(res, 404, { detail: `no ${action === 'succeed-failed' ? 'failed' : 'pending'} payment with this hash` });
  }
  if ((path === '/sandbox/balance' || path === '/sandbox/topup') && req.method === 'POST') {
    const msat = (await json()) as { msat?: unknown } | undefined;
    if (!msat || !Number.isSafeInteger(msat.msat)) return sendJson(res, 400, { detail: 'body must be {"msat": <integer>}' });
    if (path === '/sandbox/balance') lnbits.setBalance(msat.msat as number);
    else lnbits.topUp(msat.msat as number);
    return sendJson(res, 200, { balanceMsat: lnbits.balanceMsat });
  }
  if (path === '/sandbox/version' && req.method === 'POST') {
    const body = (await json()) as { version?: unknown } | undefined;
    if (body?.version !== '1.x' && body?.version !== '0.12')
      return sendJson(res, 400, { detail: 'body must be {"version": "1.x" | "0.12"}' });
    lnbits.setVersion(body.version);
    return sendJson(res, 200, { version: lnbits.version });
  }
  sendJson(res, 404, { detail: 'unknown sandbox control endpoint' });
}
