/** What the sandbox-mode banner names: where the simulated wallet and Lightning Addresses answer. */
export interface SandboxBannerFacts {
  lnbitsUrl: string;
  addressDomain: string;
  lnurlBaseUrl: string;
  /** The wallet's read key: play money on loopback, and all `ledger reconcile` needs; the spending key is never shown. */
  invoiceKey: string;
  walletFile: string;
  sandboxApiKeys: boolean;
}

/**
 * The warning logged at start-up in sandbox mode, framed in asterisks with
 * every line padded to the longest, so the right edge lines up whatever the
 * URLs' lengths (`jq -r .msg` shows it whole).
 */
export function sandboxBanner(facts: SandboxBannerFacts): string[] {
  const lines = [
    'SANDBOX MODE: VOLTZ_URL is not set. NO REAL MONEY MOVES.',
    `Simulated LNbits wallet: ${facts.lnbitsUrl}`,
    `Lightning Addresses: <user>@${facts.addressDomain} (served at ${facts.lnurlBaseUrl})`,
    `Inject wallet faults: POST ${facts.lnbitsUrl}/sandbox/faults`,
    `Wallet read key (for ledger reconcile): ${facts.invoiceKey}; payments kept in ${facts.walletFile}`,
    ...(facts.sandboxApiKeys ? ['API keys: sandbox-bot-key, sandbox-admin-key, sandbox-auditor-key'] : []),
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const edge = '*'.repeat(width + 6);
  return [edge, ...lines.map((line) => `*  ${line.padEnd(width)}  *`), edge];
}
