/**
 * Canonical JSON: the one text a value hashes as, whoever wrote it and
 * whichever store gave it back. It is JSON.stringify's output with object
 * keys sorted (by UTF-16 code units, as Array.prototype.sort compares) and no
 * whitespace; strings and numbers are written exactly as JSON.stringify
 * writes them (so 1e21, 0.1, -0 → "0"). Like JSON.stringify it honours
 * toJSON, drops undefined/function/symbol members of objects and writes them
 * as null in arrays, so a value and its stored-and-parsed copy hash the same.
 * BigInts are refused (JSON has no form for them; amounts are safe integers).
 */
export function canonicalJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

/** Characters JSON.stringify would escape (control characters, quote, backslash, surrogates): the rest is written as is. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found here
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

// Built by concatenation, not arrays and join: verifying the ledger hashes every event, so this is its hot path.
function write(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      // For finite numbers String() is JSON.stringify's text (-0 included); JSON has no NaN or Infinity.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index === 0 ? '' : ',') + (write(value[index]) ?? 'null');
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let text = '{';
  for (const key of keys) {
    const member = write(record[key]);
    if (member === undefined) continue;
    text += (text.length === 1 ? '' : ',') + write(key) + ':' + member;
  }
  return `${text}}`;
}
