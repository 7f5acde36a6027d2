/**
 * Three projects in one run, one pool of workers, one PostgreSQL (globalSetup):
 * - unit: the specs beside the code (src/) and the repository checks in test/deployment: in-process, CPU-bound;
 * - e2e: the real app over HTTP, child processes (service, CLI, store children), the store contracts;
 * - browser: the pages driven in Debian's Chromium (`npm test` makes sure of one first: test/support/ensure-chromium.ts).
 * `npx jest --selectProjects unit` is the quick loop.
 *
 * One worker more than the cores (three on a 2-core machine): the process e2e suites spend much of their time waiting on real timers (a lease, a
 * grace period, a child's start-up), and the third worker fills that time. Suites that race real time take their
 * timings from their own service configuration, with bounds that hold while the other workers are busy.
 * Jest starts the slowest files first once it has seen them.
 *
 * NestJS 12 ships ES modules only, and Jest's CommonJS runtime cannot require()
 * them on Node 20, so those packages are transpiled to CommonJS like our code.
 */
const esmOnly = ['@nestjs', 'file-type', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@borewit'];

const BROWSER_SPECS = ['admin-page', 'admin-page-operators', 'admin-page-paging', 'docs-page'].map(
  (name) => `<rootDir>/test/e2e/${name}.e2e-spec.ts`,
);

const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  transform: {
    // tsconfig.spec.json sets isolatedModules: ts-jest only transpiles; `npm run typecheck` checks the types.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    '^.+\\.js$': '<rootDir>/test/support/esm-to-cjs.transformer.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: require('node:os').availableParallelism() + 1,
  testTimeout: 30000,
  // One real PostgreSQL for the whole run (docs/architecture.md, "Event store port").
  globalSetup: '<rootDir>/test/support/postgres/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/support/postgres/jest-global-teardown.js',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/src', '<rootDir>/test/deployment'],
      testRegex: '/(src|test/deployment)/.*(?<!e2e-)spec\\.ts$',
    },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.(e2e-spec|contract-spec)\\.ts$',
      testPathIgnorePatterns: ['/node_modules/', ...BROWSER_SPECS],
    },
    { ...shared, displayName: 'browser', roots: ['<rootDir>/test/e2e'], testMatch: BROWSER_SPECS },
  ],
};
