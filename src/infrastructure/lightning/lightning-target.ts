import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Clock } from '../../application/ports/clock.port';
import { AppConfig } from '../config/app-config';
import { Sandbox, startSandbox } from '../sandbox/sandbox';
import { sandboxBanner } from './sandbox-banner';

/** Where payments go and how Lightning Addresses resolve: Voltz, or the in-process sandbox. */
export interface LightningTarget {
  walletUrl: string;
  adminKey: string;
  hostOverrides: ReadonlyMap<string, string>;
  sandbox: Sandbox | null;
}

export const LIGHTNING_TARGET = Symbol('LIGHTNING_TARGET');

/** The sandbox wallet's payments and balance, in DATA_DIR. */
export const SANDBOX_WALLET_FILE = 'sandbox-wallet.sqlite';

/**
 * Without VOLTZ_URL the service pays a simulated wallet on loopback and says so
 * loudly: it can never pretend to pay real money.
 */
export async function resolveLightningTarget(config: AppConfig, clock: Clock): Promise<LightningTarget> {
  if (config.voltz) {
    return { walletUrl: config.voltz.url, adminKey: config.voltz.adminKey, hostOverrides: config.lnurlHostOverrides, sandbox: null };
  }
  // The simulated wallet remembers what it paid: after a restart it refuses a hash it already paid, as a real one would.
  const walletFile = join(config.dataDir, SANDBOX_WALLET_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  const sandbox = await startSandbox({ network: config.network, clock, walletFile });
  const logger = new Logger('SandboxMode');
  const banner = sandboxBanner({
    lnbitsUrl: sandbox.lnbitsUrl,
    addressDomain: sandbox.addressDomain,
    lnurlBaseUrl: sandbox.lnurlBaseUrl,
    invoiceKey: sandbox.lnbits.invoiceKey,
    walletFile,
    sandboxApiKeys: config.sandboxApiKeys,
  });
  for (const line of banner) logger.warn(line);
  const hostOverrides = new Map(config.lnurlHostOverrides);
  hostOverrides.set(sandbox.addressDomain, sandbox.lnurlBaseUrl);
  return { walletUrl: sandbox.lnbitsUrl, adminKey: sandbox.adminKey, hostOverrides, sandbox };
}
