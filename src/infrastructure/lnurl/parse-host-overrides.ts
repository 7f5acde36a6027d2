import { checkDomain } from '../../domain/destination/lightning-address';

export type HostOverridesParse = { ok: true; overrides: Map<string, string> } | { ok: false; errors: string[] };

/**
 * Parses LNURL_HOST_OVERRIDES, `domain=http://127.0.0.1:8080,other.test=https://...`:
 * Lightning Addresses at `domain` resolve against that base URL instead of
 * https://domain. Every problem is reported, one line each, so start-up can
 * list them all. Base URLs are returned without a trailing slash.
 */
export function parseHostOverrides(raw: string | undefined): HostOverridesParse {
  const overrides = new Map<string, string>();
  const errors: string[] = [];
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      errors.push(`LNURL_HOST_OVERRIDES: "${entry}" is not of the form domain=baseUrl`);
      continue;
    }
    const domain = entry.slice(0, eq).trim().toLowerCase();
    const baseUrl = entry.slice(eq + 1).trim();
    const domainProblem = checkDomain(domain);
    if (domainProblem) errors.push(`LNURL_HOST_OVERRIDES: "${domain}" ${domainProblem}`);
    const urlProblem = checkBaseUrl(baseUrl);
    if (urlProblem) errors.push(`LNURL_HOST_OVERRIDES: ${domain}: ${urlProblem}`);
    if (overrides.has(domain)) errors.push(`LNURL_HOST_OVERRIDES: "${domain}" is listed twice`);
    if (!domainProblem && !urlProblem) overrides.set(domain, baseUrl.replace(/\/+$/, ''));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, overrides };
}

function checkBaseUrl(baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return `"${baseUrl}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${baseUrl}" must be http:// or https://`;
  if (url.username || url.password) return 'the base URL must not carry credentials';
  if (url.search || url.hash) return 'the base URL must not have a query or fragment';
  return null;
}
