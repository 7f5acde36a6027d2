export const PAYOUT_STATUSES = [
  'AWAITING_DESTINATION',
  'RESOLVING',
  'PAYING',
  'RETRY_QUEUED',
  'SETTLED',
  'FAILED',
  'CANCELLED',
  'NEEDS_ATTENTION',
] as const;

export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
