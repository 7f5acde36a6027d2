// ESLint rules that keep the layers of src/ (domain <- application <- infrastructure) and keep its imports free of cycles.
// A local plugin rather than eslint-plugin-import: its no-cycle skips `import type`, and the cycles this code base grows
// are exactly type imports (a port naming a use case's result); and reading each file's import list with TypeScript's
// pre-processor costs far less than resolving every module.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const LAYERS = ['domain', 'application', 'infrastructure'];

/** The layers a file of each layer may import; a file at the top of src/ (main.ts, app.module.ts) may import any. */
const MAY_IMPORT = {
  domain: ['domain'],
  application: ['domain', 'application'],
  infrastructure: [...LAYERS, 'top'],
  top: [...LAYERS, 'top'],
};

function layerOf(srcDir, file) {
  const relative = path.relative(srcDir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const [first, ...rest] = relative.split(path.sep);
  if (rest.length === 0) return 'top';
  return LAYERS.includes(first) ? first : 'top';
}

function isRelative(specifier) {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The TypeScript file a relative specifier names, or the plain path when it names something else (JSON, a folder). */
function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return base;
}

/** Every module specifier of the file being linted, with the node to report on. */
function importVisitor(onImport) {
  const literal = (node, source) => {
    if (source?.type === 'Literal' && typeof source.value === 'string') onImport(node, source.value);
  };
  return {
    ImportDeclaration: (node) => literal(node, node.source),
    ExportNamedDeclaration: (node) => literal(node, node.source),
    ExportAllDeclaration: (node) => literal(node, node.source),
    ImportExpression: (node) => literal(node, node.source),
    TSImportType: (node) => literal(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    TSExternalModuleReference: (node) => literal(node, node.expression),
    CallExpression: (node) => {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require') literal(node, node.arguments[0]);
    },
  };
}

const layers = {
  meta: {
    type: 'problem',
    docs: {
      description: 'src/domain imports only the domain, src/application only the domain and itself; each lists the packages it may use',
    },
    schema: [
      {
        type: 'object',
        properties: {
          srcDir: { type: 'string' },
          packages: {
            type: 'object',
            properties: {
              domain: { type: 'array', items: { type: 'string' } },
              application: { type: 'array', items: { type: 'string' } },
            },
            additionalProperties: false,
          },
        },
        required: ['srcDir'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward: "The {{from}} layer may not import '{{specifier}}' ({{to}}): imports run domain <- application <- infrastructure.",
      outsideSrc: "The {{from}} layer may not import '{{specifier}}' from outside src/.",
      package:
        "The {{from}} layer may not import the package '{{name}}': frameworks and I/O belong in infrastructure (the packages it may use are listed in eslint.config.mjs).",
    },
  },
  create(context) {
    const { srcDir, packages = {} } = context.options[0];
    const from = layerOf(srcDir, context.filename);
    if (from === undefined) return {};
    return importVisitor((node, specifier) => {
      if (!isRelative(specifier)) {
        const name = packageName(specifier);
        const allowed = packages[from];
        if (allowed && !allowed.includes(name)) context.report({ node, messageId: 'package', data: { from, name } });
        return;
      }
      const to = layerOf(srcDir, resolveRelative(context.filename, specifier));
      if (to === undefined) {
        if (from === 'domain' || from === 'application') {
          context.report({ node, messageId: 'outsideSrc', data: { from, specifier } });
        }
        return;
      }
      if (!MAY_IMPORT[from].includes(to)) context.report({ node, messageId: 'upward', data: { from, specifier, to } });
    });
  },
};

/**
 * Import lists of files on disk, read again when a file's modification time changes (an editor lints as you type).
 * The time is looked at no more than once a second per file: one lint run reads each file's list once, not once for
 * every file whose imports lead there.
 */
const importLists = new Map();
const RECHECK_MS = 1000;

function importsOnDisk(file) {
  const known = importLists.get(file);
  const now = Date.now();
  if (known && now - known.checkedAt < RECHECK_MS) return known.imports;
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    importLists.delete(file);
    return [];
  }
  if (known?.mtimeMs === stat.mtimeMs) {
    known.checkedAt = now;
    return known.imports;
  }
  const imports = ts
    .preProcessFile(fs.readFileSync(file, 'utf8'), true, true)
    .importedFiles.map(({ fileName }) => fileName)
    .filter(isRelative)
    .map((specifier) => resolveRelative(file, specifier))
    .filter((target) => target.endsWith('.ts'));
  importLists.set(file, { mtimeMs: stat.mtimeMs, checkedAt: now, imports });
  return imports;
}

/**
 * A shortest chain of imports from `start` back to `goal`, or undefined when there is none. Files found not to lead
 * back are added to `deadEnds`, so the other imports of the same file skip them.
 */
function chainBack(start, goal, importsOf, deadEnds) {
  if (deadEnds.has(start)) return undefined;
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    if (file === goal) {
      const chain = [];
      for (let at = goal; at !== undefined; at = cameFrom.get(at)) chain.unshift(at);
      return chain;
    }
    for (const next of importsOf(file)) {
      if (!cameFrom.has(next) && !deadEnds.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  for (const file of cameFrom.keys()) deadEnds.add(file);
  return undefined;
}

const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'no file in src/ imports, through any chain of imports (types included), a file that imports it' },
    schema: [{ type: 'object', properties: { srcDir: { type: 'string' } }, required: ['srcDir'], additionalProperties: false }],
    messages: { cycle: 'Import cycle: {{chain}}.' },
  },
  create(context) {
    const { srcDir } = context.options[0];
    const self = context.filename;
    if (layerOf(srcDir, self) === undefined) return {};
    const display = (file) => path.relative(path.dirname(srcDir), file);
    const deadEnds = new Set();
    return importVisitor((node, specifier) => {
      if (!isRelative(specifier)) return;
      const target = resolveRelative(self, specifier);
      if (!target.endsWith('.ts') || layerOf(srcDir, target) === undefined) return;
      const chain = chainBack(target, self, importsOnDisk, deadEnds);
      if (chain) context.report({ node, messageId: 'cycle', data: { chain: [self, ...chain].map(display).join(' -> ') } });
    });
  },
};

export default { meta: { name: 'architecture' }, rules: { layers, 'no-cycle': noCycle } };
