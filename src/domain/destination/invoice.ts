/** A decoded, validated BOLT11 invoice as the ledger keeps it (amounts in msat, times ISO-8601). */
export interface Invoice {
  bolt11: string;
  paymentHash: string;
  amountMsat: number;
  expiresAt: string;
}
