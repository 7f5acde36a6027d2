/**
 * Faults the sandbox LNbits can inject, programmatically or over HTTP
 * (POST /sandbox/faults with a FaultRule as JSON). A rule applies to the
 * next matching request (any payment, or only `paymentHash`; a wallet rule to
 * the next GET /api/v1/wallet) and is used up after `times` matches (default 1).
 *
 * Whether money moves is part of each fault, so tests can tell "the answer
 * was lost" from "nothing happened"; money only ever moves through the
 * ledger, which never pays a hash twice.
 */
export type PayFault =
  /** LNbits' own HTTP 520 JSON {detail, status}. effect: what really happens first (default: failed->fail, pending->pend, success->pay). */
  | {
      kind: 'lnbits_520';
      lnbitsStatus: 'failed' | 'pending' | 'success';
      detail?: string;
      effect?: 'none' | 'fail' | 'pend' | 'pay';
      settleAfterChecks?: number;
    }
  /** Cloudflare HTML 520 (or 524...) page; paid: the payment was made before the answer got lost. */
  | { kind: 'cloudflare'; paid: boolean; httpStatus?: number }
  /** The payment is made (unless paid: false) and no response is ever sent: the client times out. */
  | { kind: 'hang'; paid?: boolean }
  /** The connection is reset without an answer, after paying when paid is true (default false). */
  | { kind: 'reset'; paid?: boolean }
  /** 201 with status pending (0.12: the bare {payment_hash} answer); settles after N status checks or on settlePending(). */
  | { kind: 'pending'; settleAfterChecks?: number }
  /** Any raw answer (400 daily limit, 500, garbage...); a string body is sent as is, anything else as JSON. */
  | { kind: 'http'; httpStatus: number; body: unknown; headers?: Record<string, string>; paid?: boolean };

export type StatusFault =
  /** 404 "Payment does not exist." although the payment may exist (the status endpoint lagging behind). */
  | { kind: 'not_found' }
  | { kind: 'cloudflare'; httpStatus?: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'http'; httpStatus: number; body: unknown; headers?: Record<string, string> };

/** GET /api/v1/wallet failing (the Voltz monitor's probe): a Voltz incident rather than one payment's trouble. */
export type WalletFault = Exclude<StatusFault, { kind: 'not_found' }>;

export type FaultRule =
  | { endpoint: 'pay'; fault: PayFault; paymentHash?: string; times?: number }
  | { endpoint: 'status'; fault: StatusFault; paymentHash?: string; times?: number }
  | { endpoint: 'wallet'; fault: WalletFault; times?: number };

export interface QueuedFault {
  id: number;
  rule: FaultRule;
  remaining: number;
}

const PAY_KINDS = ['lnbits_520', 'cloudflare', 'hang', 'reset', 'pending', 'http'];
const STATUS_KINDS = ['not_found', 'cloudflare', 'hang', 'reset', 'http'];
const WALLET_KINDS = ['cloudflare', 'hang', 'reset', 'http'];
const KINDS: Record<FaultRule['endpoint'], string[]> = { pay: PAY_KINDS, status: STATUS_KINDS, wallet: WALLET_KINDS };

/** Checks a rule received over HTTP; returns the problem or null. */
export function faultRuleProblem(value: unknown): string | null {
  const rule = value as Partial<FaultRule> | null;
  if (!rule || typeof rule !== 'object') return 'body must be a JSON object';
  if (rule.endpoint !== 'pay' && rule.endpoint !== 'status' && rule.endpoint !== 'wallet')
    return 'endpoint must be "pay", "status" or "wallet"';
  const kind = (rule.fault as { kind?: unknown } | undefined)?.kind;
  const kinds = KINDS[rule.endpoint];
  if (typeof kind !== 'string' || !kinds.includes(kind))
    return `fault.kind must be one of ${kinds.join(', ')} for endpoint ${rule.endpoint}`;
  if (rule.times !== undefined && (!Number.isSafeInteger(rule.times) || rule.times < 1)) return 'times must be a positive integer';
  const paymentHash = (rule as { paymentHash?: unknown }).paymentHash;
  if (rule.endpoint === 'wallet' && paymentHash !== undefined) return 'wallet faults take no paymentHash';
  if (paymentHash !== undefined && (typeof paymentHash !== 'string' || !/^[0-9a-f]{64}$/.test(paymentHash)))
    return 'paymentHash must be 64 lower-case hex characters';
  const fault = rule.fault as { kind: string; lnbitsStatus?: unknown; httpStatus?: unknown; paid?: unknown };
  if (fault.kind === 'lnbits_520' && !['failed', 'pending', 'success'].includes(String(fault.lnbitsStatus)))
    return 'lnbits_520 needs lnbitsStatus failed|pending|success';
  if (fault.kind === 'http' && !Number.isSafeInteger(fault.httpStatus)) return 'http needs an integer httpStatus';
  if (rule.endpoint === 'pay' && fault.kind === 'cloudflare' && typeof fault.paid !== 'boolean')
    return 'cloudflare needs paid: true (answer lost after paying) or false';
  return null;
}
