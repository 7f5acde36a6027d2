import { Invoice } from '../destination/invoice';
import { PayOutcome, PaymentStatus, RetryCause } from '../payment/wallet-answers';

/** A destination that already passed validation (a raw BOLT11 carries its decoded invoice). */
export type ValidDestination = { kind: 'lightning_address'; value: string } | { kind: 'bolt11'; value: string; invoice: Invoice };

export type AddressResolution = { ok: true; invoice: Invoice } | { ok: false; permanent: boolean; reason: string };

/**
 * Every decision about one payout, and the one vocabulary for them: the application bus carries these same
 * commands to the decider. `Destination` is a destination as far as it has been checked: the customer's text
 * on the bus, a ValidDestination once the application checked it (all the decider accepts).
 */
export type PayoutCommand<Destination = ValidDestination> =
  | {
      type: 'ConfirmPix';
      data: {
        orderId: string;
        endToEndId: string;
        amountCents: number;
        amountSats: number;
        paidAt: string;
        destination: Destination | null;
      };
    }
  | { type: 'SubmitDestination'; data: { destination: Destination } }
  | { type: 'RecordResolution'; data: { address: string; result: AddressResolution } }
  | { type: 'ClaimPayment'; data: { invoice: Invoice } }
  | { type: 'RecordPaymentOutcome'; data: { paymentHash: string; outcome: PayOutcome } }
  | { type: 'RecordStatusCheck'; data: { paymentHash: string; status: PaymentStatus } }
  /** The answer of a status check of a hash already declared dead (docs/architecture.md, rule 8). */
  | { type: 'RecordRecheck'; data: { paymentHash: string; status: PaymentStatus } }
  | { type: 'ExpireInvoice'; data: { paymentHash: string } }
  /** `cause` names the wallet's state when it, not the payout, holds the payment back. */
  | { type: 'QueueRetry'; data: { reason: string; nextAttemptAt: string; cause: RetryCause | null } }
  | { type: 'CancelPayout'; data: { reason: string } }
  | { type: 'EscalatePayout'; data: { reason: string } }
  | { type: 'ClearEscalation'; data: Record<string, never> }
  | { type: 'AcknowledgeDoublePayment'; data: { reason: string } };
