/** The fields of an event worth a column in a timeline; the rest is in --json. */
const KEY_FIELDS = [
  'endToEndId',
  'amountCents',
  'amountSats',
  'destination',
  'kind',
  'address',
  'attempt',
  'paymentHash',
  'settledPaymentHash',
  'amountMsat',
  'source',
  'httpStatus',
  'cfRay',
  'lnbitsStatus',
  'result',
  'reason',
  'nextAttemptAt',
  'preimage',
  'feeMsat',
  'orderId',
  'type',
  'attempts',
];

export interface TimelineEvent {
  revision: number;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const shortHash = (hash: unknown): string =>
  typeof hash === 'string' && hash.length > 16 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : String(hash);

/** One readable line per event: time, revision, type, the fields that matter, actor and correlation id. */
export function formatTimelineEvent(event: TimelineEvent, dim: (text: string) => string = (text) => text): string {
  const data = event.data;
  const fields = KEY_FIELDS.filter(
    (key) => data[key] !== undefined && data[key] !== null && !(key === 'destination' && String(data[key]).length > 60),
  ).map(
    (key) =>
      `${key}=${/hash|preimage/i.test(key) ? shortHash(data[key]) : typeof data[key] === 'string' ? data[key] : JSON.stringify(data[key])}`,
  );
  const invoice = (data.invoice as { paymentHash?: string } | undefined)?.paymentHash;
  if (invoice && !data.paymentHash) fields.push(`invoice=${shortHash(invoice)}`);
  const who = `[${String(event.metadata.actor)} ${String(event.metadata.correlationId ?? '-')}]`;
  return `   ${event.createdAt}  #${String(event.revision).padEnd(3)} ${event.type.padEnd(24)} ${fields.join('  ')}  ${dim(who)}`;
}
