import { SandboxBannerFacts, sandboxBanner } from './sandbox-banner';

const facts: SandboxBannerFacts = {
  lnbitsUrl: 'http://127.0.0.1:40123',
  addressDomain: 'sandbox.localhost',
  lnurlBaseUrl: 'http://127.0.0.1:40124',
  invoiceKey: 'read-key',
  walletFile: '/data/sandbox-wallet.sqlite',
  sandboxApiKeys: false,
};

describe('sandboxBanner', () => {
  it('frames the warning with every line padded to the longest, so both edges line up', () => {
    const banner = sandboxBanner(facts);
    const width = banner[0].length;
    expect(banner[0]).toBe('*'.repeat(width));
    expect(banner[banner.length - 1]).toBe('*'.repeat(width));
    expect(banner[1]).toBe(`*  ${'SANDBOX MODE: VOLTZ_URL is not set. NO REAL MONEY MOVES.'.padEnd(width - 6)}  *`);
    expect(new Set(banner.map((line) => line.length)).size).toBe(1);
    expect(banner.join('\n')).toContain('Simulated LNbits wallet: http://127.0.0.1:40123 ');
  });

  it('names the sandbox API keys only when they are enabled', () => {
    expect(sandboxBanner(facts).join('\n')).not.toContain('sandbox-admin-key');
    expect(sandboxBanner({ ...facts, sandboxApiKeys: true }).join('\n')).toContain(
      'API keys: sandbox-bot-key, sandbox-admin-key, sandbox-auditor-key',
    );
  });
});
