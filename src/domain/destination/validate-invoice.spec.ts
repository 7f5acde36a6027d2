import { forgeBadSignature, mintInvoice } from '../../infrastructure/sandbox/invoice-minter';
import { LightningNetwork } from './lightning-network';
import { validateInvoice } from './validate-invoice';

const NOW = new Date('2025-07-09T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const AMOUNT_SATS = 21_000;

function mint(network: LightningNetwork, overrides: Partial<Parameters<typeof mintInvoice>[0]> = {}) {
  return mintInvoice({ network, amountMsat: AMOUNT_SATS * 1000, timestamp: NOW_S - 60, expirySeconds: 3600, ...overrides });
}

/** Changes the last checksum character (to another one: a random invoice ends in 'q' one time in 32). */
function breakChecksum(bolt11: string): string {
  return bolt11.slice(0, -1) + (bolt11.endsWith('q') ? 'p' : 'q');
}

function check(bolt11: string, network: LightningNetwork, minRemainingSeconds = 60, amountSats = AMOUNT_SATS) {
  return validateInvoice(bolt11, { amountSats, network, now: NOW, minRemainingSeconds });
}

describe('validateInvoice', () => {
  describe.each<LightningNetwork>(['bitcoin', 'testnet', 'signet', 'regtest'])('on %s', (network) => {
    it('accepts a signed invoice for exactly the amount and returns it normalised', () => {
      const minted = mint(network);
      const result = check(minted.bolt11, network);
      expect(result).toEqual({
        ok: true,
        invoice: {
          bolt11: minted.bolt11,
          paymentHash: minted.paymentHash,
          amountMsat: 21_000_000,
          expiresAt: new Date((NOW_S - 60 + 3600) * 1000).toISOString(),
        },
      });
    });

    it('strips a lightning: prefix in any case and upper case', () => {
      const minted = mint(network);
      const result = check(`  LIGHTNING:${minted.bolt11.toUpperCase()} `, network);
      expect(result.ok && result.invoice.bolt11).toBe(minted.bolt11);
    });

    it('reports a forged signature (unrecoverable key) as bad_signature', () => {
      const forged = forgeBadSignature(mint(network).bolt11, 'recovery_id');
      expect(check(forged, network)).toMatchObject({ ok: false, code: 'bad_signature' });
    });

    it('reports a tampered invoice carrying an n tag as bad_signature', () => {
      const forged = forgeBadSignature(mint(network, { includePayeeNodeKey: true }).bolt11, 'tampered_payload');
      expect(check(forged, network)).toMatchObject({ ok: false, code: 'bad_signature' });
    });

    it('reports an amountless invoice', () => {
      expect(check(mint(network, { amountMsat: null }).bolt11, network)).toMatchObject({ ok: false, code: 'amountless' });
    });

    it.each([
      ['one sat more', (AMOUNT_SATS + 1) * 1000],
      ['one msat more (sub-satoshi)', AMOUNT_SATS * 1000 + 1],
      ['one msat less (sub-satoshi)', AMOUNT_SATS * 1000 - 1],
    ])('reports %s as amount_mismatch', (_label, amountMsat) => {
      expect(check(mint(network, { amountMsat }).bolt11, network)).toMatchObject({ ok: false, code: 'amount_mismatch' });
    });

    it('reports an expired invoice', () => {
      const minted = mint(network, { timestamp: NOW_S - 7200, expirySeconds: 3600 });
      expect(check(minted.bolt11, network)).toMatchObject({ ok: false, code: 'expired', message: expect.stringContaining('expired at') });
    });

    it('reports an invoice expiring within the margin as expired', () => {
      const minted = mint(network, { timestamp: NOW_S - 3600 + 30, expirySeconds: 3600 });
      expect(check(minted.bolt11, network, 60)).toMatchObject({
        ok: false,
        code: 'expired',
        message: expect.stringContaining('less than 60 s'),
      });
      expect(check(minted.bolt11, network, 10).ok).toBe(true);
    });

    it('takes timestamp + 3600 s as the expiry when the invoice has no expiry tag', () => {
      const fresh = mint(network, { timestamp: NOW_S - 3000, expirySeconds: null });
      const stale = mint(network, { timestamp: NOW_S - 3601, expirySeconds: null });
      expect(check(fresh.bolt11, network)).toMatchObject({
        ok: true,
        invoice: { expiresAt: new Date((NOW_S + 600) * 1000).toISOString() },
      });
      expect(check(stale.bolt11, network)).toMatchObject({ ok: false, code: 'expired' });
    });
  });

  it.each<[LightningNetwork, LightningNetwork]>([
    ['testnet', 'signet'],
    ['signet', 'testnet'],
    ['bitcoin', 'testnet'],
    ['testnet', 'bitcoin'],
    ['regtest', 'bitcoin'],
    ['bitcoin', 'regtest'],
  ])('reports a %s invoice as wrong_network on %s', (invoiceNetwork, configured) => {
    const result = check(mint(invoiceNetwork).bolt11, configured);
    expect(result).toMatchObject({ ok: false, code: 'wrong_network', message: expect.stringContaining(invoiceNetwork) });
  });

  it.each([
    ['garbage', 'hello'],
    ['an empty string', ''],
    ['a broken checksum', breakChecksum(mintInvoice({ network: 'bitcoin', amountMsat: 1000 }).bolt11)],
    ['a truncated invoice', 'lnbc210u1pqqqqqqqqqq'],
    [
      'an unknown currency',
      'lnxy210u1p4shv7zpp57svwhy633txhup426gve58767l42hcg9g5mylvcr66n7a99h7jzssp5r6xcg3a37z2gkstpww908k0q7qtg0g7wa7tv7afjusyy7e3' +
        'vdp3s9qypqsqcqpj',
    ],
    [
      'an LNURL',
      'lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56nyd3hxqurzepexejxxepnxscrvwfn' +
        'v9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fns',
    ],
  ])('reports %s as undecodable', (_label, raw) => {
    expect(check(raw, 'bitcoin')).toMatchObject({ ok: false, code: 'undecodable' });
  });

  it('keeps the reason short even when bolt11 quotes the whole invoice', () => {
    const broken = `${mintInvoice({ network: 'bitcoin', amountMsat: 1000 }).bolt11.slice(0, -1)}q`;
    const result = check(broken, 'bitcoin');
    expect(!result.ok && result.message.length).toBeLessThan(200);
  });

  it.each([0, -5, 1.5, Number.NaN])('never matches a payout amount of %p sats', (amountSats) => {
    expect(check(mint('bitcoin', { amountMsat: 1000 }).bolt11, 'bitcoin', 60, amountSats)).toMatchObject({
      ok: false,
      code: 'amount_mismatch',
    });
  });

  it('checks in order: network before amount, amount before expiry', () => {
    const everythingWrong = mint('testnet', { amountMsat: 5000, timestamp: NOW_S - 99_999 });
    expect(check(everythingWrong.bolt11, 'bitcoin')).toMatchObject({ code: 'wrong_network' });
    const wrongAmountAndExpired = mint('bitcoin', { amountMsat: 5000, timestamp: NOW_S - 99_999 });
    expect(check(wrongAmountAndExpired.bolt11, 'bitcoin')).toMatchObject({ code: 'amount_mismatch' });
  });
});
