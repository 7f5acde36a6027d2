import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The lint rules of eslint.config.mjs that keep the layers and the cycles out
 * of src/ fail on a planted offence. Each case lints text under a path inside
 * src/ (nothing is written): the rules read the other files from disk. ESLint
 * loads its configuration with import(), which Jest's module runtime refuses,
 * so one plain Node process lints every case through ESLint's Node API.
 */
const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const LINT_TEXTS = `
const { ESLint } = require('eslint');
const { join } = require('path');
let input = '';
process.stdin.on('data', (chunk) => (input += chunk)).on('end', async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const answers = [];
  for (const { path, code } of JSON.parse(input)) {
    const [result] = await eslint.lintText(code, { filePath: join(process.cwd(), path) });
    answers.push(result.messages.filter((m) => m.fatal || m.ruleId?.startsWith('architecture/')).map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(answers));
});`;

const cyclePath = 'src/domain/destination/lightning-network.ts';
const cases = {
  domainImportsApplication: {
    path: 'src/domain/retry/planted.ts',
    code: "import { CLOCK } from '../../application/ports/clock.port';\nexport const planted = CLOCK;\n",
  },
  applicationImportsInfrastructure: {
    path: 'src/application/admin/planted.ts',
    code: "import { SystemClock } from '../../infrastructure/system/system-clock';\nexport const planted = SystemClock;\n",
  },
  infrastructureImportsApplication: {
    path: 'src/infrastructure/system/planted.ts',
    code: "import { CLOCK } from '../../application/ports/clock.port';\nexport const planted = CLOCK;\n",
  },
  domainImportsNest: {
    path: 'src/domain/retry/planted.ts',
    code: "import { Injectable } from '@nestjs/common';\nexport const planted = Injectable;\n",
  },
  domainImportsPg: { path: 'src/domain/retry/planted.ts', code: "import { Pool } from 'pg';\nexport const planted = Pool;\n" },
  domainImportsBolt11: {
    path: 'src/domain/retry/planted.ts',
    code: "import { decode } from 'bolt11';\nexport const planted = decode;\n",
  },
  // decode-bolt11.ts imports lightning-network.ts; lightning-network.ts importing a type back closes the loop.
  typeImportClosesCycle: {
    path: cyclePath,
    code: `import type { DecodeBolt11Result } from './decode-bolt11';\nexport type Planted = DecodeBolt11Result;\n${read(cyclePath)}`,
  },
  fileAsItIs: { path: cyclePath, code: read(cyclePath) },
};

describe('architecture lint', () => {
  let errors: Record<keyof typeof cases, string[]>;

  beforeAll(() => {
    const output = execFileSync(process.execPath, ['-e', LINT_TEXTS], {
      cwd: root,
      input: JSON.stringify(Object.values(cases)),
      encoding: 'utf8',
    });
    const answers: string[][] = JSON.parse(output);
    errors = Object.fromEntries(Object.keys(cases).map((name, i) => [name, answers[i]])) as typeof errors;
  }, 60_000);

  it('refuses a domain file that imports the application layer', () => {
    expect(errors.domainImportsApplication).toEqual([
      expect.stringContaining("The domain layer may not import '../../application/ports/clock.port' (application)"),
    ]);
  });

  it('refuses an application file that imports infrastructure, and lets infrastructure import the application', () => {
    expect(errors.applicationImportsInfrastructure).toEqual([
      expect.stringContaining("The application layer may not import '../../infrastructure/system/system-clock' (infrastructure)"),
    ]);
    expect(errors.infrastructureImportsApplication).toEqual([]);
  });

  it('keeps frameworks and I/O packages out of the domain, and lets it decode invoices', () => {
    expect(errors.domainImportsNest).toEqual([expect.stringContaining("may not import the package '@nestjs/common'")]);
    expect(errors.domainImportsPg).toEqual([expect.stringContaining("may not import the package 'pg'")]);
    expect(errors.domainImportsBolt11).toEqual([]);
  });

  it('refuses an import that closes a cycle, type imports included', () => {
    expect(read('src/domain/destination/decode-bolt11.ts')).toContain("from './lightning-network'");
    expect(errors.typeImportClosesCycle).toEqual([
      `Import cycle: ${cyclePath} -> src/domain/destination/decode-bolt11.ts -> ${cyclePath}.`,
    ]);
    expect(errors.fileAsItIs).toEqual([]);
  });
});
