import { Payout } from './payout-state';
import { PayoutStatus } from './payout-status';

/** The Payout resource of docs/api.md: what the bot, admins and webhooks see. */
export interface PayoutView {
  orderId: string;
  status: PayoutStatus;
  amountSats: number;
  amountCents: number;
  endToEndId: string;
  destination: string | null;
  paymentHash: string | null;
  preimage: string | null;
  feeMsat: number;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  settledAt: string | null;
  /** Set when the wallet paid more than one hash of this order (docs/architecture.md, rule 8): every paid hash, the settled one first. */
  doublePayment: { paymentHashes: string[]; detectedAt: string; acknowledgedAt: string | null; acknowledgeReason: string | null } | null;
}

export function toPayoutView(state: Payout): PayoutView {
  const latestHash = Object.values(state.hashes).sort((a, b) => b.lastAttempt - a.lastAttempt)[0];
  return {
    orderId: state.orderId,
    status: state.status,
    amountSats: state.amountSats,
    amountCents: state.amountCents,
    endToEndId: state.endToEndId,
    destination: state.destination?.value ?? null,
    paymentHash: state.settlement?.paymentHash ?? latestHash?.paymentHash ?? null,
    preimage: state.settlement?.preimage ?? null,
    feeMsat: state.settlement?.feeMsat ?? 0,
    attempts: state.attempts,
    // The last problem explains a wait; once the money has moved there is nothing left to explain.
    lastError: state.status === 'SETTLED' ? null : state.lastError,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    settledAt: state.settlement?.settledAt ?? null,
    doublePayment: state.doublePayment,
  };
}
