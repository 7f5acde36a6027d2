'use strict';
/**
 * Lets plain `node` run TypeScript sources without a build step or ts-node:
 *
 *   node --require ./test/support/register-ts.js path/to/script.ts
 *
 * Used to spawn child processes in the contract suites (several processes on
 * one SQLite file, crash tests), the e2e suites (the real app) and the bench.
 * Each `.ts` file is transpiled on its own (no type checking: `tsc --noEmit`
 * and jest do that) with the project's compiler options, forced to what
 * `require` can load: CommonJS, decorators with metadata for Nest, inline
 * source maps so stack traces point at the .ts lines.
 *
 * Transpiled output is cached on disk, keyed by a hash of the source, the
 * file name, what decides the compiler options (tsconfig.json and this file)
 * and the TypeScript version, so spawning the whole app again costs a few
 * reads instead of a full transpile; TypeScript itself (a third of a second to
 * load) is loaded only on a cache miss. Set REGISTER_TS_CACHE=0 to disable
 * the cache.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CONFIG_PATH = path.join(PROJECT_ROOT, 'tsconfig.json');

let loaded = null;
/** TypeScript and the compiler options, on the first cache miss. */
function compiler() {
  if (loaded === null) {
    const ts = require('typescript');
    loaded = { ts, compilerOptions: loadCompilerOptions(ts) };
  }
  return loaded;
}

function loadCompilerOptions(ts) {
  const fromConfig = {};
  if (fs.existsSync(CONFIG_PATH)) {
    const { config, error } = ts.readConfigFile(CONFIG_PATH, ts.sys.readFile);
    if (error) {
      throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
    }
    const converted = ts.convertCompilerOptionsFromJson(config.compilerOptions || {}, PROJECT_ROOT, CONFIG_PATH);
    Object.assign(fromConfig, converted.options);
  }
  return {
    ...fromConfig,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: fromConfig.target || ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    isolatedModules: true,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: true,
    declaration: false,
    declarationMap: false,
    noEmit: false,
    noEmitOnError: false,
    outDir: undefined,
    rootDir: undefined,
    tsBuildInfoFile: undefined,
    incremental: false,
    composite: false,
  };
}

const optionsHash = crypto
  .createHash('sha256')
  .update(require('typescript/package.json').version)
  .update(fs.existsSync(CONFIG_PATH) ? fs.readFileSync(CONFIG_PATH) : '')
  .update(fs.readFileSync(__filename))
  .digest('hex')
  .slice(0, 16);

function resolveCacheDir() {
  if (process.env.REGISTER_TS_CACHE === '0') {
    return null;
  }
  const candidates = [
    path.join(PROJECT_ROOT, 'node_modules', '.cache', 'register-ts'),
    path.join(os.tmpdir(), `register-ts-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`),
  ];
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // Not writable here (read-only checkout, sandbox): try the next place.
    }
  }
  return null;
}

const cacheDir = resolveCacheDir();

function formatDiagnostics(ts, diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

function transpile(source, filename) {
  const { ts, compilerOptions } = compiler();
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions,
    fileName: filename,
    reportDiagnostics: true,
  });
  // transpileModule only reports syntax errors; running code the compiler
  // could not parse would fail later with a far more confusing message.
  const errors = (diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new SyntaxError(`Cannot transpile ${filename}:\n${formatDiagnostics(ts, errors)}`);
  }
  return outputText;
}

function cachedTranspile(source, filename) {
  if (cacheDir === null) {
    return transpile(source, filename);
  }
  const key = crypto.createHash('sha256').update(optionsHash).update(filename).update('\0').update(source).digest('hex');
  const cacheFile = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cacheFile, 'utf8');
  } catch {
    // Cache miss: transpile below.
  }
  const output = transpile(source, filename);
  // Write-then-rename so a concurrent process never reads a half-written entry.
  const tmpFile = `${cacheFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmpFile, output);
    fs.renameSync(tmpFile, cacheFile);
  } catch {
    fs.rmSync(tmpFile, { force: true });
  }
  return output;
}

function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(cachedTranspile(source, filename), filename);
}

for (const extension of ['.ts', '.cts']) {
  if (!require.extensions[extension]) {
    require.extensions[extension] = compileTs;
  }
}

process.setSourceMapsEnabled(true);
