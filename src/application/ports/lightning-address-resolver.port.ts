import { Invoice } from '../../domain/destination/invoice';

/** permanent: the address or its server can never give a payable invoice; otherwise transient (timeout, 5xx). */
export type ResolveResult = { ok: true; invoice: Invoice } | { ok: false; permanent: boolean; reason: string };

export interface LightningAddressResolver {
  /** LUD-16 -> LUD-06: fetch the payRequest, call the callback, validate the invoice. */
  resolve(address: string, amountSats: number): Promise<ResolveResult>;
}

export const LIGHTNING_ADDRESS_RESOLVER = Symbol('LIGHTNING_ADDRESS_RESOLVER');
