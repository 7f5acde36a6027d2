// Lint for the whole repository (ESLint flat config with typescript-eslint); `npm test` runs it before jest.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import architecture from './lint/architecture-plugin.mjs';

const srcDir = `${import.meta.dirname}/src`;
// Pure computation only: the domain may decode an invoice and hash, nothing that does I/O or needs a framework.
const domainPackages = ['bolt11', 'crypto', 'node:crypto'];

const nodeGlobals = Object.fromEntries(
  [
    'console',
    'process',
    'Buffer',
    'URL',
    'URLSearchParams',
    'fetch',
    'Headers',
    'AbortController',
    'AbortSignal',
    'TextEncoder',
    'TextDecoder',
    'structuredClone',
    'queueMicrotask',
    'performance',
  ]
    .concat(['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'])
    .map((name) => [name, 'readonly']),
);
const browserGlobals = Object.fromEntries(
  [
    'window',
    'document',
    'Node',
    'HTMLElement',
    'sessionStorage',
    'fetch',
    'URLSearchParams',
    'URL',
    'console',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'confirm',
    'location',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'coverage/', 'data/', 'test/output/', 'bench-profiles/', 'node_modules/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { architecture },
    rules: { 'architecture/no-cycle': ['error', { srcDir }] },
  },
  {
    // Specs beside the code are tests: they may wire real infrastructure (SQLite, the sandbox) around the unit.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    plugins: { architecture },
    rules: {
      'architecture/layers': [
        'error',
        {
          srcDir,
          packages: {
            domain: domainPackages,
            // Use cases are Nest CQRS handlers; the database, HTTP and wallet clients stay behind the ports.
            application: [...domainPackages, '@nestjs/common', '@nestjs/cqrs', 'rxjs'],
          },
        },
      ],
    },
  },
  {
    // The admin page runs in the browser, as plain scripts served by the service.
    files: ['admin-page/**/*.js'],
    languageOptions: { globals: browserGlobals, sourceType: 'script' },
  },
  {
    // Jest's transformer and the TypeScript loader are CommonJS scripts Node and Jest load before any TypeScript exists.
    files: ['**/*.js'],
    ignores: ['admin-page/**'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        ...nodeGlobals,
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON answers of the real HTTP API and the sandbox; the assertions are what check their shape.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
