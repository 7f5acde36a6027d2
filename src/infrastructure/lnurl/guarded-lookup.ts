import { lookup, LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { forbiddenAddressReason } from './ip-address-policy';

/** Resolves a host name to every address it has (dns.lookup with all: true in production; a fake table in tests). */
export type ResolveAll = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export const systemResolveAll: ResolveAll = (hostname, callback) => lookup(hostname, { all: true }, callback);

/** Raised from inside the socket's DNS lookup, so it surfaces as the request's error. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_LNURL_REFUSED_ADDRESS';

  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly why: string,
  ) {
    super(`${hostname} resolves to ${address}, ${why}: refused`);
    this.name = 'RefusedAddressError';
  }
}

/**
 * A `lookup` for http(s) agents: the socket connects only to an address this
 * function returned, so checking here checks the address actually connected
 * to (no gap between a check and a second resolution an attacker's DNS could
 * answer differently). A name is refused when ANY of its addresses is
 * forbidden, so a round-robin mix of public and private answers cannot slip
 * through on a retry or happy-eyeballs fallback.
 */
export function createGuardedLookup(resolveAll: ResolveAll = systemResolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      for (const { address } of addresses) {
        const why = forbiddenAddressReason(address);
        if (why !== null) return callback(new RefusedAddressError(hostname, address, why), '', 0);
      }
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
      if (usable.length === 0)
        return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return callback(null, usable);
      return callback(null, usable[0].address, usable[0].family);
    });
  };
}
