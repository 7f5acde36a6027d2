/** Every kind of ALERT line, so a log router can match on `alert` instead of parsing the message. */
export type AlertKind =
  | 'breaker_open'
  | 'wallet_low_balance'
  | 'wallet_key_refused'
  | 'needs_attention'
  | 'double_payment'
  | 'reconciliation_finding'
  | 'webhook_abandoned';

export interface AlertLine {
  msg: string;
  alert: AlertKind;
  orderId?: string;
  [field: string]: unknown;
}

/** A structured ALERT line: the message starts with "ALERT", and `alert` and `orderId` (where there is one) are fields of their own. */
export function alertLine(alert: AlertKind, msg: string, fields: { orderId?: string | null; [field: string]: unknown } = {}): AlertLine {
  const { orderId, ...rest } = fields;
  return { msg: `ALERT ${msg}`, alert, ...(orderId ? { orderId } : {}), ...rest };
}
