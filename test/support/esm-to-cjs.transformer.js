/**
 * Jest transformer for ESM-only packages (NestJS 12): Jest's CommonJS runtime
 * on Node 20 cannot require() ES modules, so they are transpiled to CommonJS.
 * `import.meta.url` has no CommonJS form in TypeScript's output, so it is
 * replaced by the file URL of the module being transformed.
 */
const crypto = require('crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: true,
};

module.exports = {
  process(source, filename) {
    const code = source.replace(/import\.meta\.url/g, "require('url').pathToFileURL(__filename).href");
    return { code: ts.transpileModule(code, { fileName: filename, compilerOptions }).outputText };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha1').update(ts.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
