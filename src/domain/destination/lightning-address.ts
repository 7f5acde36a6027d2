/** LUD-16 username: a-z0-9-_. with an optional +tag of the same characters. */
const USER_PATTERN = /^[a-z0-9\-_.]+(\+[a-z0-9\-_.]+)?$/;
/** One DNS label: letters, digits, inner hyphens, 1..63 characters. */
const LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A top-level label with a letter: rules out IPv4 literals ("10.0.0.1"), which are not domain names. */
const TLD_PATTERN = /[a-z]/;
const MAX_USER_LENGTH = 128;
const MAX_DOMAIN_LENGTH = 253;

export interface LightningAddress {
  /** user@domain, lower-cased. */
  address: string;
  user: string;
  domain: string;
}

export type LightningAddressParse = { ok: true; value: LightningAddress } | { ok: false; message: string };

/**
 * Parses a Lightning Address (LUD-16) without any I/O: lower-cases it, checks
 * the username characters and that the domain is a host name of at least two
 * labels (no port, no IP literal, no trailing dot). `.onion` names qualify.
 */
export function parseLightningAddress(raw: string): LightningAddressParse {
  const value = raw.trim().toLowerCase();
  const at = value.indexOf('@');
  if (at < 0 || at !== value.lastIndexOf('@')) return invalid(`"${raw}" is not of the form user@domain`);
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (user.length === 0 || user.length > MAX_USER_LENGTH || !USER_PATTERN.test(user)) {
    return invalid(`the user part "${user}" may only use a-z 0-9 - _ . (and one +tag)`);
  }
  const domainProblem = checkDomain(domain);
  if (domainProblem) return invalid(`the domain "${domain}" ${domainProblem}`);
  return { ok: true, value: { address: `${user}@${domain}`, user, domain } };
}

/** null when `domain` is a usable host name, else what is wrong with it. Shared with LNURL_HOST_OVERRIDES parsing. */
export function checkDomain(domain: string): string | null {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) return 'is not a domain name';
  const labels = domain.split('.');
  if (labels.length < 2) return 'needs at least two labels';
  if (!labels.every((label) => LABEL_PATTERN.test(label))) return 'is not a valid domain name (no port, no trailing dot)';
  if (!TLD_PATTERN.test(labels[labels.length - 1])) return 'is an IP address, not a domain name';
  return null;
}

function invalid(message: string): LightningAddressParse {
  return { ok: false, message: `invalid Lightning Address: ${message}` };
}
