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

function write(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = write(record[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}
