/**
 * Run by `npm test` before jest: the browser tests need a Chromium. Found as the tests find it (chromium-lookup.ts);
 * when there is none and the machine allows it (root, apt-get), Debian's package is installed, so a fresh machine
 * needs only `npm ci && npm test`. Otherwise one line says what is missing and how to fix it, and the exit is non-zero.
 *
 *   node --require ./test/support/register-ts.js test/support/ensure-chromium.ts
 */
import { spawnSync } from 'node:child_process';
import { findChromium, findOnPath } from './chromium-lookup';

const FIX = "install Debian's chromium (apt-get install chromium, as root) or set CHROMIUM_PATH to a Chromium binary";

function fail(problem: string): never {
  console.error(`npm test needs Chromium for the browser tests: ${problem}; ${FIX}`);
  process.exit(1);
}

function installDebianChromium(): void {
  console.log("No Chromium found: installing Debian's chromium package (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const run = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) fail(`apt-get ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`})`);
  }
}

function reportVersion(chromium: string): void {
  const run = spawnSync(chromium, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) fail(`${chromium} --version failed (${run.error?.message ?? `exit ${run.status}`})`);
  console.log(`${run.stdout.trim()} (${chromium})`);
}

let lookup = findChromium();
if (!lookup.found && !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && findOnPath('apt-get')) {
  installDebianChromium();
  lookup = findChromium();
}
if (!lookup.found) fail(lookup.problem);
reportVersion(lookup.path);
