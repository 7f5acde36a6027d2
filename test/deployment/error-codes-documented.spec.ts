import { readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';

/**
 * Every `code` the service can send is listed in docs/api.md ("Errors"). The
 * codes are gathered from the places that set one: the decider's error union,
 * ApplicationError and httpError calls, DTO validators' `code(...)`, the
 * exception filter's tables, the store's 503 codes and the invoice problems
 * (sent as `invoice_<problem>`).
 */
const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const all = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((match) => match[1]);
const unionMembers = (text: string, typeName: string) => {
  const declaration = new RegExp(`${typeName}\\s*=([^;]*);`).exec(text);
  if (!declaration) throw new Error(`no type ${typeName}`);
  return all(declaration[1].replace(/\/\*\*[\s\S]*?\*\//g, ''), /'([a-z_]+)'/g);
};
const tableValues = (text: string, tableName: string) => {
  const table = new RegExp(`const ${tableName}[^{]*\\{([^}]*)\\}`).exec(text);
  if (!table) throw new Error(`no table ${tableName}`);
  return all(table[1], /:\s*'([a-z_]+)'/g);
};

function codesTheServiceSends(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles('src')) {
    const text = read(file);
    for (const pattern of [
      /\bcode\('([a-z_]+)'\)/g,
      /\bhttpError\([^;]*?'([a-z_]+)',?\s*\)/g,
      /new ApplicationError\([^;]*?'([a-z_]+)',?\s*\)/g,
    ]) {
      for (const code of all(text, pattern)) codes.add(code);
    }
  }
  for (const code of unionMembers(read('src/domain/payout/payout-errors.ts'), 'PayoutErrorCode')) codes.add(code);
  const filter = read('src/infrastructure/http/http-exception.filter.ts');
  for (const code of [...tableValues(filter, 'BODY_PARSER_CODES'), ...tableValues(filter, 'DEFAULT_CODES')]) codes.add(code);
  for (const code of all(filter, /errorBody\([^;]*?'([a-z_]+)'\)/g)) codes.add(code);
  for (const code of all(filter, /\?\?\s*'([a-z_]+)'/g)) codes.add(code);
  const storeCodes = /readonly code: ([^,]*),/.exec(read('src/application/ports/event-store.port.ts'))![1];
  for (const code of all(storeCodes, /'([a-z_]+)'/g)) codes.add(code);
  for (const problem of unionMembers(read('src/domain/destination/validate-invoice.ts'), 'InvoiceProblem')) codes.add(`invoice_${problem}`);
  return codes;
}

describe('docs/api.md lists every error code', () => {
  const errors = /## Errors\n([\s\S]*?)\n## /.exec(read('docs/api.md'))![1];
  const documented = new Set(all(errors, /`([a-z]+(?:_[a-z0-9]+)*)`/g));

  it('finds the codes where the service sets them (the scan itself works)', () => {
    const codes = codesTheServiceSends();
    for (const known of [
      'order_not_found',
      'invalid_limit',
      'rate_limited',
      'malformed_json',
      'store_corrupt',
      'invoice_expired',
      'nothing_to_retry',
    ]) {
      expect(codes).toContain(known);
    }
  });

  it('each one is in the table of docs/api.md, "Errors"', () => {
    const missing = [...codesTheServiceSends()].filter((code) => !documented.has(code)).sort();
    expect(missing).toEqual([]);
  });
});
