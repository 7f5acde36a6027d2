import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type DataDirCheck = { ok: true } | { ok: false; problem: string };

/**
 * Makes DATA_DIR usable or says in one line why it cannot be. Directories are
 * created one level at a time: Node's recursive mkdir loops forever when the
 * kernel answers ENOENT under an existing parent (DATA_DIR=/proc/x).
 */
export function prepareDataDir(dataDir: string): DataDirCheck {
  const missing: string[] = [];
  let current = resolve(dataDir);
  for (;;) {
    const kind = kindOf(current);
    if (kind === 'directory') break;
    if (kind !== 'missing') return refuse(dataDir, kind === 'file' ? `${current} exists and is not a directory` : `${current}: ${kind}`);
    const parent = dirname(current);
    if (parent === current) return refuse(dataDir, 'no existing parent directory');
    missing.unshift(current);
    current = parent;
  }
  for (const directory of missing) {
    try {
      mkdirSync(directory);
    } catch (error) {
      return refuse(dataDir, `cannot create ${directory} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  try {
    accessSync(resolve(dataDir), constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    return refuse(dataDir, `not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { ok: true };
}

/** 'directory', 'file' (anything else that exists), 'missing', or the error code that stat gave (ENOTDIR, EACCES...). */
function kindOf(path: string): string {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return code === 'ENOENT' ? 'missing' : code;
  }
}

function refuse(dataDir: string, reason: string): DataDirCheck {
  return { ok: false, problem: `DATA_DIR ${dataDir} is not usable: ${reason}` };
}
