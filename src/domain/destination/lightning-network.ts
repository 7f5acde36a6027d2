/** The Lightning networks this service can be configured for (LIGHTNING_NETWORK). */
export type LightningNetwork = 'bitcoin' | 'testnet' | 'signet' | 'regtest';

export const LIGHTNING_NETWORKS: readonly LightningNetwork[] = ['bitcoin', 'testnet', 'signet', 'regtest'];

/** The network parameters the `bolt11` package expects (only `bech32` matters for invoices). */
export interface Bolt11NetworkParams {
  bech32: string;
  pubKeyHash: number;
  scriptHash: number;
  validWitnessVersions: number[];
}

/**
 * bolt11 1.4.1 knows `bc`, `tb`, `bcrt` and `sb` by itself but not signet's
 * `tbs`; passing an explicit object for every network keeps one code path.
 */
export const BOLT11_NETWORKS: Readonly<Record<LightningNetwork, Bolt11NetworkParams>> = {
  bitcoin: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1] },
  testnet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  signet: { bech32: 'tbs', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  regtest: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
};

/** Simnet is never a configurable network, but its invoices decode, so they are reported as wrong_network, not garbage. */
const SIMNET: Bolt11NetworkParams = { bech32: 'sb', pubKeyHash: 0x3f, scriptHash: 0x7b, validWitnessVersions: [0, 1] };

export interface KnownInvoiceNetwork {
  /** null for simnet: decodable, never payable here. */
  network: LightningNetwork | null;
  name: string;
  params: Bolt11NetworkParams;
}

/** The network an invoice's bech32 currency prefix (`bc` of `lnbc...`) names, if any. */
export function networkForBech32Prefix(prefix: string): KnownInvoiceNetwork | null {
  for (const network of LIGHTNING_NETWORKS) {
    if (BOLT11_NETWORKS[network].bech32 === prefix) return { network, name: network, params: BOLT11_NETWORKS[network] };
  }
  if (prefix === SIMNET.bech32) return { network: null, name: 'simnet', params: SIMNET };
  return null;
}
