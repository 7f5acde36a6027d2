/**
 * Minimal bech32 (BIP-173) codec without the 90-character limit, as BOLT11
 * uses it. Only the sandbox needs it: to forge invoices whose checksum is
 * right but whose signature is not, something bolt11's own API refuses to do.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    GENERATORS.forEach((generator, bit) => {
      if ((top >>> bit) & 1) checksum ^= generator;
    });
  }
  return checksum >>> 0;
}

function expandHrp(hrp: string): number[] {
  const chars = [...hrp].map((c) => c.charCodeAt(0));
  return [...chars.map((c) => c >> 5), 0, ...chars.map((c) => c & 31)];
}

export function bech32Encode(hrp: string, words: number[]): string {
  const mod = polymod([...expandHrp(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

export function bech32Decode(value: string): { hrp: string; words: number[] } {
  const lower = value.toLowerCase();
  const separator = lower.lastIndexOf('1');
  const hrp = lower.slice(0, separator);
  const data = [...lower.slice(separator + 1)].map((c) => {
    const word = CHARSET.indexOf(c);
    if (word < 0) throw new Error(`invalid bech32 character "${c}"`);
    return word;
  });
  if (polymod([...expandHrp(hrp), ...data]) !== 1) throw new Error('invalid bech32 checksum');
  return { hrp, words: data.slice(0, -6) };
}
