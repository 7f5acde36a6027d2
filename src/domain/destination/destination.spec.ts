import { forgeBadSignature, mintInvoice } from '../../infrastructure/sandbox/invoice-minter';
import { parseDestination } from './destination';

describe('parseDestination', () => {
  describe('Lightning Addresses (LUD-16)', () => {
    it.each([
      ['alice@example.com', 'alice@example.com'],
      ['Alice@Example.COM', 'alice@example.com'],
      ['  bob.smith-1_x@pay.example.co.uk ', 'bob.smith-1_x@pay.example.co.uk'],
      ['carol+tips@example.com', 'carol+tips@example.com'],
      ['dave@xn--bcher-kva.example', 'dave@xn--bcher-kva.example'],
      [
        'erin@2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion',
        'erin@2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion',
      ],
      ['lightning:frank@example.com', 'frank@example.com'],
      ['0@sub-1.example.io', '0@sub-1.example.io'],
    ])('accepts %p', (raw, address) => {
      expect(parseDestination(raw)).toEqual({ kind: 'lightning_address', address });
    });

    it.each([
      ['no user', '@example.com'],
      ['two @', 'a@b@example.com'],
      ['a space in the user', 'al ice@example.com'],
      ['a forbidden character', 'al!ce@example.com'],
      ['an empty tag', 'alice+@example.com'],
      ['two tags', 'alice+a+b@example.com'],
      ['a single-label domain', 'alice@localhost'],
      ['a port', 'alice@example.com:8080'],
      ['an IPv4 literal', 'alice@127.0.0.1'],
      ['an IPv6 literal', 'alice@[::1]'],
      ['a trailing dot', 'alice@example.com.'],
      ['an empty label', 'alice@example..com'],
      ['a hyphen-edged label', 'alice@-example.com'],
      ['a path', 'alice@example.com/x'],
      ['a non-ASCII domain', 'alice@bücher.example'],
      ['no domain', 'alice@'],
    ])('rejects %s', (_label, raw) => {
      expect(parseDestination(raw)).toMatchObject({ error: 'invalid_destination', message: expect.stringContaining('Lightning Address') });
    });
  });

  describe('BOLT11', () => {
    const minted = mintInvoice({ network: 'bitcoin', amountMsat: 21_000_000 });

    it.each([
      ['as is', minted.bolt11],
      ['upper case', minted.bolt11.toUpperCase()],
      ['with lightning:', `lightning:${minted.bolt11}`],
      ['with LIGHTNING: and spaces', `  LIGHTNING:${minted.bolt11.toUpperCase()}  `],
    ])('recognises an invoice %s and normalises it', (_label, raw) => {
      expect(parseDestination(raw)).toMatchObject({ kind: 'bolt11', bolt11: minted.bolt11, decoded: { ok: true } });
    });

    it('recognises invoices of every network, even ones this service will refuse later', () => {
      for (const network of ['testnet', 'signet', 'regtest'] as const) {
        const other = mintInvoice({ network, amountMsat: null });
        expect(parseDestination(other.bolt11)).toMatchObject({ kind: 'bolt11', bolt11: other.bolt11, decoded: { ok: true } });
      }
    });

    it('leaves a badly signed invoice to validateInvoice (422, not 400)', () => {
      const forged = forgeBadSignature(minted.bolt11, 'recovery_id');
      expect(parseDestination(forged)).toMatchObject({ kind: 'bolt11', bolt11: forged, decoded: { ok: false, code: 'bad_signature' } });
    });

    it.each([
      ['garbage', 'not a destination'],
      ['empty', '   '],
      ['only a prefix', 'lightning:'],
      ['a broken checksum', `${minted.bolt11.slice(0, -2)}qq`],
      ['an on-chain address', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ])('rejects %s', (_label, raw) => {
      expect(parseDestination(raw)).toMatchObject({ error: 'invalid_destination' });
    });
  });
});
