import { createHash } from 'node:crypto';
import { decode } from 'bolt11';
import { BOLT11_NETWORKS } from '../../domain/destination/lightning-network';
import { forgeBadSignature, mintInvoice, newNodePrivateKey, nodePublicKey, preimageOfMinted } from './invoice-minter';

describe('mintInvoice', () => {
  it('mints a signed invoice that bolt11 itself decodes, with the given fields', () => {
    const privateKey = newNodePrivateKey();
    const preimage = '11'.repeat(32);
    const minted = mintInvoice({
      network: 'signet',
      amountMsat: 1500,
      timestamp: 1_750_000_000,
      expirySeconds: 600,
      description: 'hello',
      preimage,
      privateKey,
      includePayeeNodeKey: true,
    });
    const decoded = decode(minted.bolt11, BOLT11_NETWORKS.signet);
    expect(minted.bolt11.startsWith('lntbs15n1')).toBe(true);
    expect(decoded.millisatoshis).toBe('1500');
    expect(decoded.timestamp).toBe(1_750_000_000);
    expect(decoded.timeExpireDate).toBe(1_750_000_600);
    expect(decoded.tagsObject).toMatchObject({
      description: 'hello',
      payment_hash: minted.paymentHash,
      payee_node_key: nodePublicKey(privateKey),
    });
    expect(decoded.payeeNodeKey).toBe(nodePublicKey(privateKey));
    expect(minted.paymentHash).toBe(createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex'));
    expect(preimageOfMinted(minted.paymentHash)).toBe(preimage);
  });

  it('can leave the amount and the expiry tag out, and commit to a long description instead', () => {
    const hash = 'ab'.repeat(32);
    const minted = mintInvoice({ network: 'bitcoin', amountMsat: null, expirySeconds: null, purposeCommitHash: hash });
    const decoded = decode(minted.bolt11);
    expect(decoded.millisatoshis).toBeNull();
    expect(decoded.timeExpireDate).toBeUndefined();
    expect(decoded.tagsObject.purpose_commit_hash).toBe(hash);
    expect(decoded.tagsObject.description).toBeUndefined();
  });

  it('forges invoices bolt11 refuses for their signature, checksum intact', () => {
    const plain = mintInvoice({ network: 'bitcoin', amountMsat: 1000 }).bolt11;
    const withKey = mintInvoice({ network: 'bitcoin', amountMsat: 1000, includePayeeNodeKey: true }).bolt11;
    expect(() => decode(forgeBadSignature(plain, 'recovery_id'))).toThrow(/signature/i);
    expect(() => decode(forgeBadSignature(withKey, 'tampered_payload'))).toThrow(/signature pubkey does not match/);
  });
});
