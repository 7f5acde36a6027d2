import { Clock } from '../../application/ports/clock.port';
import { LightningNetwork } from '../../domain/destination/lightning-network';
import { LnbitsVersion } from './sandbox-lnbits-control';
import { SandboxLnbitsServer } from './sandbox-lnbits-server';
import { SandboxLnurlServer } from './sandbox-lnurl-server';

const SANDBOX_ADDRESS_DOMAIN = 'sandbox.pix-lightning.test';

export interface SandboxOptions {
  network: LightningNetwork;
  adminKey?: string;
  version?: LnbitsVersion;
  balanceMsat?: number;
  clock?: Clock;
  /** Expiry of the `shortlived` Lightning Address user's invoices, seconds. */
  shortlivedSeconds?: number;
  /** Keeps the simulated wallet across restarts; default: memory only. */
  walletFile?: string;
}

export interface Sandbox {
  lnbitsUrl: string;
  adminKey: string;
  lnurlBaseUrl: string;
  /** Lightning Addresses `<user>@sandbox.pix-lightning.test` resolve against lnurlBaseUrl (host override). */
  addressDomain: string;
  lnbits: SandboxLnbitsServer;
  lnurl: SandboxLnurlServer;
  close(): Promise<void>;
}

/**
 * Starts the simulated wallet and Lightning Address server on 127.0.0.1
 * (random ports). The service wires VoltzClient to lnbitsUrl/adminKey and
 * the resolver with the host override addressDomain -> lnurlBaseUrl, the same
 * mechanism as LNURL_HOST_OVERRIDES. Invoices the LNURL server mints are paid
 * by the wallet with their real preimage.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const lnurl = await SandboxLnurlServer.start({
    network: options.network,
    domain: SANDBOX_ADDRESS_DOMAIN,
    clock: options.clock,
    shortlivedSeconds: options.shortlivedSeconds,
  });
  let lnbits: SandboxLnbitsServer;
  try {
    lnbits = await SandboxLnbitsServer.start({
      network: options.network,
      adminKey: options.adminKey,
      version: options.version,
      balanceMsat: options.balanceMsat,
      clock: options.clock,
      walletFile: options.walletFile,
    });
  } catch (error) {
    await lnurl.close();
    throw error;
  }
  return {
    lnbitsUrl: lnbits.url,
    adminKey: lnbits.adminKey,
    lnurlBaseUrl: lnurl.baseUrl,
    addressDomain: SANDBOX_ADDRESS_DOMAIN,
    lnbits,
    lnurl,
    close: async () => {
      await Promise.all([lnbits.close(), lnurl.close()]);
    },
  };
}
