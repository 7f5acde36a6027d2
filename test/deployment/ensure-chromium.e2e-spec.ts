import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../support/temp-dir';
import { REGISTER_TS } from '../support/service-process';

const SCRIPT = path.join(__dirname, '..', 'support', 'ensure-chromium.ts');
const RUNNING_AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** ensure-chromium.ts as `npm test` runs it, with only the environment given: PATH holds nothing but the fakes made here. */
function ensureChromium(env: Record<string, string>, uid?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REGISTER_TS, SCRIPT], { env, uid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm test makes sure of a Chromium before jest starts (ensure-chromium.ts)', () => {
  const temp = makeTempDir('ensure-chromium');
  const bin = path.join(temp.path, 'bin'); // holds the fake apt-get
  const installed = path.join(temp.path, 'installed'); // where the fake apt-get "installs" chromium
  const aptLog = path.join(temp.path, 'apt-get.log');

  function executable(file: string, script: string): string {
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const fakeChromium = (dir: string, version: string) => executable(path.join(dir, 'chromium'), `echo "${version}"`);

  beforeEach(() => {
    temp.remove();
    for (const dir of [temp.path, bin, installed]) mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(temp.path, 0o777); // the non-root case writes its apt-get log here too (it must not get that far)
    executable(
      path.join(bin, 'apt-get'),
      [
        `echo "$DEBIAN_FRONTEND $*" >> ${aptLog}`,
        `case "$1" in install) printf '#!/bin/sh\\necho "Chromium 1.2.3 installed"\\n' > ${installed}/chromium; /bin/chmod 755 ${installed}/chromium;; esac`,
      ].join('\n'),
    );
  });
  afterAll(() => temp.remove());

  const aptCalls = () => (existsSync(aptLog) ? readFileSync(aptLog, 'utf8').trim().split('\n') : []);
  const oneLine = (text: string) => text.trim().split('\n');

  it('uses CHROMIUM_PATH when it is set, even with another chromium on PATH', async () => {
    const given = fakeChromium(temp.path, 'Chromium 7.0 given');
    fakeChromium(installed, 'Chromium 1.0 on PATH');
    const run = await ensureChromium({ CHROMIUM_PATH: given, PATH: `${installed}:${bin}` });
    expect(run).toEqual({ code: 0, stdout: `Chromium 7.0 given (${given})\n`, stderr: '' });
    expect(aptCalls()).toEqual([]);
  });

  it('refuses a CHROMIUM_PATH that is not an executable file, in one line, without installing anything', async () => {
    const notExecutable = path.join(temp.path, 'chromium.txt');
    writeFileSync(notExecutable, 'not a browser');
    for (const given of [notExecutable, path.join(temp.path, 'missing'), temp.path]) {
      const run = await ensureChromium({ CHROMIUM_PATH: given, PATH: bin });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(oneLine(run.stderr)).toEqual([
        `npm test needs Chromium for the browser tests: CHROMIUM_PATH=${given} is not an executable file; ` +
          "install Debian's chromium (apt-get install chromium, as root) or set CHROMIUM_PATH to a Chromium binary",
      ]);
    }
    expect(aptCalls()).toEqual([]);
  });

  it('finds chromium on PATH', async () => {
    const onPath = fakeChromium(installed, 'Chromium 1.0 on PATH');
    const run = await ensureChromium({ PATH: `${path.join(temp.path, 'empty')}:${installed}:${bin}` });
    expect(run).toEqual({ code: 0, stdout: `Chromium 1.0 on PATH (${onPath})\n`, stderr: '' });
    expect(aptCalls()).toEqual([]);
  });

  it('stops with one line naming the fix when there is no Chromium and no apt-get', async () => {
    const run = await ensureChromium({ PATH: installed });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toEqual([
      'npm test needs Chromium for the browser tests: no chromium on PATH and CHROMIUM_PATH is not set; ' +
        "install Debian's chromium (apt-get install chromium, as root) or set CHROMIUM_PATH to a Chromium binary",
    ]);
  });

  it('does not try apt-get when it is not root: one line and a non-zero exit', async () => {
    const run = await ensureChromium({ PATH: `${installed}:${bin}` }, RUNNING_AS_ROOT ? NOBODY : undefined);
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toEqual([expect.stringContaining('no chromium on PATH and CHROMIUM_PATH is not set; install')]);
    expect(aptCalls()).toEqual([]);
  });

  // Installing needs root: these two cases exist only where the tests run as root (as in CI and on the build machine).
  if (RUNNING_AS_ROOT) {
    it("as root with apt-get, installs Debian's chromium non-interactively, then uses it", async () => {
      const run = await ensureChromium({ PATH: `${installed}:${bin}` });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        `No Chromium found: installing Debian's chromium package (apt-get)\nChromium 1.2.3 installed (${installed}/chromium)\n`,
      );
      expect(aptCalls()).toEqual(['noninteractive update -qq', 'noninteractive install -y -qq --no-install-recommends chromium']);
    });

    it('says so in one line when apt-get fails', async () => {
      executable(path.join(bin, 'apt-get'), `echo "$*" >> ${aptLog}; exit 100`);
      const run = await ensureChromium({ PATH: `${installed}:${bin}` });
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toEqual([
        'npm test needs Chromium for the browser tests: apt-get update -qq failed (exit 100); ' +
          "install Debian's chromium (apt-get install chromium, as root) or set CHROMIUM_PATH to a Chromium binary",
      ]);
      expect(aptCalls()).toEqual(['update -qq']);
    });
  }
});
