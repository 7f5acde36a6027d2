/**
 * Unit specs sit beside the code; integration, contract and e2e suites live in test/.
 * NestJS 12 ships ES modules only, and Jest's CommonJS runtime cannot require()
 * them on Node 20, so those packages are transpiled to CommonJS like our code.
 */
const esmOnly = ['@nestjs', 'file-type', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@borewit'];

module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec|contract-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    '^.+\\.js$': '<rootDir>/test/support/esm-to-cjs.transformer.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
  testTimeout: 30000,
  // One real PostgreSQL for the whole run (docs/architecture.md, "Event store port").
  globalSetup: '<rootDir>/test/support/postgres/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/support/postgres/jest-global-teardown.js',
};
