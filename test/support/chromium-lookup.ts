import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export type ChromiumLookup = { found: true; path: string } | { found: false; problem: string };

/**
 * The browser the browser tests drive: `CHROMIUM_PATH` when set (it must then be an executable file: a wrong value is
 * an error, not a reason to pick another browser), else `chromium` on PATH, where Debian's package puts it.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const given = env.CHROMIUM_PATH;
  if (given) {
    return isExecutableFile(given)
      ? { found: true, path: given }
      : { found: false, problem: `CHROMIUM_PATH=${given} is not an executable file` };
  }
  const onPath = findOnPath('chromium', env);
  return onPath ? { found: true, path: onPath } : { found: false, problem: 'no chromium on PATH and CHROMIUM_PATH is not set' };
}

export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, command))
    .find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
