import { createECDH, createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { encode, PaymentRequestObject, sign } from 'bolt11';
import { BOLT11_NETWORKS, LightningNetwork } from '../../domain/destination/lightning-network';
import { bech32Decode, bech32Encode } from './bech32-codec';

export interface MintInvoiceOptions {
  network: LightningNetwork;
  /** Exact amount in msat; null mints an amountless invoice. */
  amountMsat: number | null;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** expiry tag in seconds; null leaves the tag out (BOLT11 default: 3600 s). Default 3600. */
  expirySeconds?: number | null;
  description?: string;
  /** 64-hex SHA-256 of a long description (LNURL metadata); replaces `description`. */
  purposeCommitHash?: string;
  /** 32-byte hex; defaults to a fresh random preimage. */
  preimage?: string;
  /** 32-byte hex node key; defaults to the process-wide sandbox node key. */
  privateKey?: string;
  /** Adds the `n` tag, so decoders verify the signature against it instead of recovering a key. */
  includePayeeNodeKey?: boolean;
}

export interface MintedInvoice {
  bolt11: string;
  paymentHash: string;
  preimage: string;
  amountMsat: number | null;
  network: LightningNetwork;
  payeeNodeKey: string;
  /** Unix seconds. */
  timestamp: number;
}

/** A fresh secp256k1 private key as 64 hex characters (node:crypto, so no extra dependency). */
export function newNodePrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const d = privateKey.export({ format: 'jwk' }).d;
  if (!d) throw new Error('secp256k1 key export produced no private scalar');
  return Buffer.from(d, 'base64url').toString('hex').padStart(64, '0');
}

const SANDBOX_NODE_KEY = newNodePrivateKey();

/**
 * Preimages of the invoices minted in this process, so the sandbox wallet can
 * answer a payment with the real preimage (sha256(preimage) = hash) like a
 * node would. Bounded: the oldest entries go first.
 */
const mintedPreimages = new Map<string, string>();
const MAX_REMEMBERED_PREIMAGES = 10_000;

export function preimageOfMinted(paymentHash: string): string | undefined {
  return mintedPreimages.get(paymentHash);
}

function remember(paymentHash: string, preimage: string): void {
  mintedPreimages.set(paymentHash, preimage);
  if (mintedPreimages.size > MAX_REMEMBERED_PREIMAGES) {
    const oldest = mintedPreimages.keys().next().value;
    if (oldest !== undefined) mintedPreimages.delete(oldest);
  }
}

/** Compressed public key (66 hex) of a node private key. */
export function nodePublicKey(privateKey: string): string {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(privateKey, 'hex'));
  return ecdh.getPublicKey('hex', 'compressed');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Mints a real, signed BOLT11 invoice with bolt11.encode + bolt11.sign, so the
 * production decoder checks it exactly as it checks a wallet's invoice.
 */
export function mintInvoice(options: MintInvoiceOptions): MintedInvoice {
  const preimage = options.preimage ?? randomBytes(32).toString('hex');
  const paymentHash = sha256Hex(Buffer.from(preimage, 'hex'));
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const privateKey = options.privateKey ?? SANDBOX_NODE_KEY;
  const tags: PaymentRequestObject['tags'] = [
    { tagName: 'payment_hash', data: paymentHash },
    { tagName: 'payment_secret', data: randomBytes(32).toString('hex') },
    { tagName: 'feature_bits', data: { word_length: 4, var_onion_optin: { supported: true }, payment_secret: { supported: true } } },
    { tagName: 'min_final_cltv_expiry', data: 18 },
  ];
  if (options.purposeCommitHash !== undefined) tags.push({ tagName: 'purpose_commit_hash', data: options.purposeCommitHash });
  else tags.push({ tagName: 'description', data: options.description ?? 'pix-lightning sandbox' });
  const expiry = options.expirySeconds === undefined ? 3600 : options.expirySeconds;
  if (expiry !== null) tags.push({ tagName: 'expire_time', data: expiry });
  if (options.includePayeeNodeKey) tags.push({ tagName: 'payee_node_key', data: nodePublicKey(privateKey) });
  const amount = options.amountMsat === null ? {} : { millisatoshis: String(options.amountMsat) };
  // addDefaults=false: every tag is explicit, so "no expiry tag" can be minted too.
  const unsigned = encode({ network: BOLT11_NETWORKS[options.network], timestamp, ...amount, tags }, false);
  const signed = sign(unsigned, privateKey);
  const bolt11 = signed.paymentRequest;
  if (!bolt11 || !signed.payeeNodeKey) throw new Error('bolt11.sign produced no payment request');
  remember(paymentHash, preimage);
  return {
    bolt11,
    paymentHash,
    preimage,
    amountMsat: options.amountMsat,
    network: options.network,
    payeeNodeKey: signed.payeeNodeKey,
    timestamp,
  };
}

/**
 * The same invoice, checksum intact, with a signature that no longer holds:
 * what a tampered or corrupted invoice looks like to a decoder.
 * - 'recovery_id': the recovery id byte is pushed out of 0..3, so no key can be recovered;
 * - 'tampered_payload': one bit of the payment hash flips after signing; only an invoice
 *   minted with includePayeeNodeKey can be caught (the recovered key no longer matches
 *   the n tag), without it BOLT11 just recovers some other key.
 */
export function forgeBadSignature(bolt11: string, how: 'recovery_id' | 'tampered_payload'): string {
  const { hrp, words } = bech32Decode(bolt11);
  const forged = [...words];
  if (how === 'tampered_payload') {
    // Words 0-6 are the timestamp, 7-9 the payment hash tag's type and length: its data starts at word 10.
    forged[10] ^= 1;
  } else {
    // The signature's 65th byte is the recovery id; its five low bits are the last word. +16 makes it invalid.
    forged[forged.length - 1] |= 0b10000;
  }
  return bech32Encode(hrp, forged);
}
