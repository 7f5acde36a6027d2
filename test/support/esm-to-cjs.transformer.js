/**
 * Jest transformer for ESM-only packages (NestJS 12): Jest's CommonJS runtime
 * on Node 20 cannot require() ES modules, so they are transpiled to CommonJS.
 * `import.meta.url` has no CommonJS form in TypeScript's output, so it is
 * replaced by the file URL of the module being transformed; a module that
 * builds its own `require` from it (@nestjs/swagger) keeps CommonJS's own.
 */
const crypto = require('crypto');
const fs = require('fs');
const ts = require('typescript');

/** A change to this transformer must invalidate what Jest cached from the previous one. */
const SELF = fs.readFileSync(__filename);

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: true,
};

module.exports = {
  process(source, filename) {
    const code = source
      .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
      .replace(/import\.meta\.url/g, "require('url').pathToFileURL(__filename).href");
    return { code: ts.transpileModule(code, { fileName: filename, compilerOptions }).outputText };
  },
  getCacheKey(source, filename) {
    return crypto
      .createHash('sha1')
      .update(ts.version)
      .update(SELF)
      .update('\0')
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
