import { readFileSync } from 'fs';
import { join } from 'path';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from '../../src/infrastructure/config/environment-variables';
import { SECRET_VARIABLES } from '../../src/infrastructure/config/secret-files';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** .env.example's variables with their values (every line NAME=value or a comment). */
function envExample(): Map<string, string> {
  const entries = read('.env.example')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (!match) throw new Error(`.env.example: not NAME=value: ${line}`);
      return [match[1], match[2]] as const;
    });
  const names = entries.map(([name]) => name);
  expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  return new Map(entries);
}

/** README's "Configuration" table: name cells (a row may name two) and their default cell. */
function readmeTable(): Map<string, string> {
  const section = read('README.md')
    .split(/^## Configuration$/m)[1]
    .split(/^## /m)[0];
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1].startsWith('`')) continue;
    for (const name of cells[1].match(/[A-Z][A-Z0-9_]+/g) ?? []) rows.set(name, cells[2].replace(/`/g, ''));
  }
  return rows;
}

describe('Deployment kit and configuration docs', () => {
  const code = new Set<string>(ENVIRONMENT_VARIABLE_NAMES);
  const defaults = new EnvironmentVariables() as unknown as Record<string, unknown>;

  it('.env.example, the README table and the code list the same variables', () => {
    expect([...envExample().keys()].sort()).toEqual([...code].sort());
    expect([...readmeTable().keys()].sort()).toEqual([...code].sort());
  });

  it('.env.example and the README give the defaults the code has', () => {
    const example = envExample();
    const readme = readmeTable();
    for (const name of code) {
      const value = defaults[name];
      expect([name, example.get(name)]).toEqual([name, value === undefined ? '' : String(value)]);
      if (value !== undefined) expect([name, readme.get(name)]).toEqual([name, String(value)]);
    }
  });

  it(
    'the Dockerfile runs the build as non-root with production dependencies, ' + 'the heap cap of npm start, and a readiness healthcheck',
    () => {
      const dockerfile = read('Dockerfile');
      const start = JSON.parse(read('package.json')).scripts.start as string;
      const heapCap = /--max-old-space-size=\d+/.exec(start)![0];
      expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(new RegExp(`^CMD \\["node", "${heapCap}", "dist/main.js"\\]$`, 'm'));
      expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health\/ready/m);
      expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    },
  );

  it('docker-compose sets only variables the service knows', () => {
    const compose = read('docker-compose.yml');
    const shared = compose.split(/^x-service: &service$/m)[1].split(/^services:$/m)[0];
    const esdb = compose.split(/^ {2}service-esdb:$/m)[1].split(/^secrets:$/m)[0];
    const set = [...`${shared}${esdb}`.matchAll(/^ {4,6}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]);
    const plain = [...new Set(set.filter((name) => !name.endsWith('_FILE')))];
    expect(plain.sort()).toEqual(['DATA_DIR', 'EVENTSTORE_CONNECTION_STRING', 'EVENT_STORE']);
    for (const name of plain) expect(code.has(name)).toBe(true);
    expect(shared).toMatch(/env_file: \.env/);
    // Two instances on PostgreSQL by default, both from the shared block.
    expect(compose.match(/^ {2}service-[ab]:\n {4}<<: \*service$/gm)).toHaveLength(2);
  });

  it('docker-compose reads every key and secret from a mounted file, and restarts what stops', () => {
    const compose = read('docker-compose.yml');
    const service = compose.split(/^x-service: &service$/m)[1].split(/^services:$/m)[0];
    const files = [...service.matchAll(/^ {4}([A-Z][A-Z0-9_]*)_FILE: \/run\/secrets\/([a-z_]+)$/gm)];
    const secrets = ['ADMIN_API_KEYS', 'AUDITOR_API_KEYS', 'BOT_API_KEYS', 'BOT_WEBHOOK_SECRET', 'METRICS_API_KEYS'];
    secrets.push('VOLTZ_ADMIN_KEY', 'VOLTZ_READ_KEY', 'DATABASE_URL');
    expect(files.map((match) => match[1]).sort()).toEqual(secrets.sort());
    for (const [, name, secret] of files) {
      expect([name, secret]).toEqual([name, name.toLowerCase()]);
      expect(compose).toMatch(new RegExp(`^ {2}${secret}:\\n {4}file: \\./secrets/${secret}$`, 'm'));
      expect(SECRET_VARIABLES).toContain(name);
    }
    // Every container restarts: the database and the store directly, the instances through the shared block.
    expect(compose.match(/^ {4}restart: unless-stopped$/gm)?.length).toBe(compose.match(/^ {2}[a-z-]+:\n {4}image:/gm)?.length);
    expect(service).toMatch(/^ {2}restart: unless-stopped$/m);
  });
});
