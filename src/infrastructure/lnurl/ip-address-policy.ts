import { isIP } from 'node:net';

/**
 * Which IP addresses a resolver fetching strangers' URLs must never connect
 * to (docs/lightning.md: private, loopback, link-local and metadata addresses).
 * IPv4 is a deny list of every special-purpose block (IANA registry); IPv6 is
 * an allow list of global unicast (2000::/3) minus its special blocks, with
 * the IPv4 embedded in mapped/NAT64/6to4 forms checked as IPv4.
 */

interface Ipv4Block {
  base: number;
  prefix: number;
  label: string;
}

const IPV4_BLOCKS: Ipv4Block[] = [
  block4('0.0.0.0', 8, '"this network" (0.0.0.0/8)'),
  block4('10.0.0.0', 8, 'private (10/8)'),
  block4('100.64.0.0', 10, 'carrier-grade NAT (100.64/10)'),
  block4('127.0.0.0', 8, 'loopback (127/8)'),
  block4('169.254.0.0', 16, 'link-local / cloud metadata (169.254/16)'),
  block4('172.16.0.0', 12, 'private (172.16/12)'),
  block4('192.0.0.0', 24, 'IETF protocol assignments (192.0.0/24)'),
  block4('192.0.2.0', 24, 'documentation (192.0.2/24)'),
  block4('192.88.99.0', 24, '6to4 relay anycast (192.88.99/24)'),
  block4('192.168.0.0', 16, 'private (192.168/16)'),
  block4('198.18.0.0', 15, 'benchmarking (198.18/15)'),
  block4('198.51.100.0', 24, 'documentation (198.51.100/24)'),
  block4('203.0.113.0', 24, 'documentation (203.0.113/24)'),
  block4('224.0.0.0', 4, 'multicast (224/4)'),
  block4('240.0.0.0', 4, 'reserved / broadcast (240/4)'),
];

/** Why connecting to `ip` is refused, or null when it is a public address. Non-IP input is refused too. */
export function forbiddenAddressReason(ip: string): string | null {
  const address = ip.replace(/^\[|\]$/g, '').split('%')[0];
  const family = isIP(address);
  if (family === 4) return ipv4Reason(parseIpv4(address));
  if (family === 6) return ipv6Reason(parseIpv6(address));
  return `"${ip}" is not an IP address`;
}

function ipv4Reason(value: number): string | null {
  const hit = IPV4_BLOCKS.find((b) => value >>> (32 - b.prefix) === b.base >>> (32 - b.prefix));
  return hit ? hit.label : null;
}

function ipv6Reason(groups: number[]): string | null {
  const embeddedIpv4 = ((groups[6] << 16) | groups[7]) >>> 0;
  const startsWith = (...prefix: number[]) => prefix.every((g, i) => groups[i] === g);
  if (groups.every((g) => g === 0)) return 'unspecified (::)';
  if (startsWith(0, 0, 0, 0, 0, 0, 0) && groups[7] === 1) return 'loopback (::1)';
  if (startsWith(0, 0, 0, 0, 0, 0xffff)) return embeddedReason('IPv4-mapped', embeddedIpv4);
  if (startsWith(0x64, 0xff9b, 0, 0, 0, 0)) return embeddedReason('NAT64', embeddedIpv4);
  if (startsWith(0x64, 0xff9b, 1)) return 'local-use NAT64 (64:ff9b:1::/48)';
  if (startsWith(0x2002)) return embeddedReason('6to4', ((groups[1] << 16) | groups[2]) >>> 0);
  if ((groups[0] & 0xe000) !== 0x2000) return ipv6NonGlobalLabel(groups[0]);
  if (startsWith(0x2001) && groups[1] < 0x200) return 'IETF protocol assignments incl. Teredo (2001::/23)';
  if (startsWith(0x2001, 0xdb8)) return 'documentation (2001:db8::/32)';
  if ((groups[0] & 0xfff0) === 0x3ff0) return 'documentation (3fff::/20)';
  return null;
}

function ipv6NonGlobalLabel(first: number): string {
  if ((first & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((first & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((first & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)';
  if ((first & 0xff00) === 0xff00) return 'multicast (ff00::/8)';
  return 'not global unicast (outside 2000::/3)';
}

function embeddedReason(form: string, ipv4: number): string | null {
  const reason = ipv4Reason(ipv4);
  return reason === null ? null : `${form} form of a ${reason} IPv4 address`;
}

function block4(base: string, prefix: number, label: string): Ipv4Block {
  return { base: parseIpv4(base), prefix, label };
}

function parseIpv4(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** Eight 16-bit groups; `address` is already known to be valid IPv6 (net.isIP). */
function parseIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === null) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
