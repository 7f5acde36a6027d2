import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTempDir } from '../support/temp-dir';
import { freePort } from '../support/service-process';
import { until } from '../support/until';

/**
 * The Docker image's runtime stage rebuilt on disk from the Dockerfile's own
 * COPY lines (no Docker engine needed): whatever the app reads at start-up and
 * the ledger CLI needs must be copied there, and the production-only
 * dependencies must be enough for both.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const IMAGE_TIMEOUT_MS = 15 * 60_000;

interface CopyLine {
  from: string | null;
  sources: string[];
  destination: string;
}

/** The COPY lines of the Dockerfile's last stage (the runtime image), with WORKDIR as the base of relative destinations. */
export function runtimeCopies(dockerfile: string): { workdir: string; copies: CopyLine[] } {
  const stages = dockerfile.split(/^FROM /m);
  const lines = stages[stages.length - 1].split('\n');
  const workdir = lines.map((line) => /^WORKDIR\s+(\S+)/.exec(line)?.[1]).find((dir) => dir !== undefined) ?? '/';
  const copies = lines
    .filter((line) => line.startsWith('COPY '))
    .map((line) => {
      const words = line.split(/\s+/).slice(1);
      const from = words[0].startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
      const destination = words.pop()!;
      return { from, sources: words, destination };
    });
  return { workdir, copies };
}

/** `npm ci --omit=dev` of this package-lock, kept across runs in the temp directory (it compiles native modules: minutes). */
function productionDependencies(): string {
  const lock = readFileSync(path.join(ROOT, 'package-lock.json'));
  const cached = path.join(tmpdir(), `pll-production-deps-${createHash('sha256').update(lock).digest('hex').slice(0, 16)}`);
  if (existsSync(path.join(cached, 'node_modules'))) return path.join(cached, 'node_modules');
  const work = `${cached}.${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, file), path.join(work, file));
  execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: work,
    env: { ...process.env, SCARF_ANALYTICS: 'false', NODE_ENV: 'production' },
    stdio: 'ignore',
  });
  renameSync(work, cached);
  return path.join(cached, 'node_modules');
}

/**
 * The production dependencies as a tree of hard links to the kept install, symlinks kept as COPY keeps them: the same
 * files where the image has them, without copying 18,000 files byte by byte (half a minute on a busy disk).
 */
function linkTree(from: string, into: string): void {
  mkdirSync(into, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [source, target] = [path.join(from, entry.name), path.join(into, entry.name)];
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else linkSync(source, target);
  }
}

/** What the named build stages hold at the paths the runtime stage copies from them. */
function stageFiles(buildDir: string): Record<string, Record<string, () => string>> {
  return {
    'production-dependencies': { '/app/node_modules': productionDependencies },
    build: {
      '/app/dist': () => {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', buildDir], {
          cwd: ROOT,
        });
        return buildDir;
      },
    },
  };
}

/** Lays the runtime stage out in `imageDir`, the way `docker build` would. */
function layOut(dockerfile: string, imageDir: string, buildDir: string): string {
  const { workdir, copies } = runtimeCopies(dockerfile);
  const app = path.join(imageDir, workdir);
  const stages = stageFiles(buildDir);
  for (const copy of copies) {
    const target = path.resolve(app, copy.destination);
    for (const source of copy.sources) {
      let from: string;
      if (copy.from === null) from = path.join(ROOT, source);
      else {
        const produce = stages[copy.from]?.[source];
        if (!produce) throw new Error(`the test does not know what stage ${copy.from} holds at ${source}`);
        from = produce();
      }
      const into = copy.sources.length > 1 || copy.destination.endsWith('/') ? path.join(target, path.basename(source)) : target;
      // Hard links need one file system: what the build stages made is in the temp directory, like the image.
      if (copy.from !== null) linkTree(from, into);
      else cpSync(from, into, { recursive: true, dereference: true });
    }
  }
  return app;
}

function run(command: string[], cwd: string, env: NodeJS.ProcessEnv): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, command, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the Docker image layout', () => {
  const temp = makeTempDir('pll-image');
  afterAll(() => temp.remove());

  it(
    'starts from the runtime stage alone, answers /health/ready and /admin, says when it stops, and runs the ledger CLI from dist',
    async () => {
      const app = layOut(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'), path.join(temp.path, 'image'), path.join(temp.path, 'dist'));
      const dataDir = path.join(temp.path, 'data');
      mkdirSync(dataDir);
      const port = await freePort();
      // Only what the image sets (ENV lines) and what an operator passes: nothing from this checkout leaks in.
      const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir };
      const child = spawn(process.execPath, ['--max-old-space-size=256', 'dist/main.js'], {
        cwd: app,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        await until(
          'the image to answer /health/ready 200',
          async () => {
            if (child.exitCode !== null) throw new Error(`the image's service exited ${child.exitCode}:\n${output}`);
            const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
            return ready?.status === 200;
          },
          60_000,
        );
        const page = await fetch(`http://127.0.0.1:${port}/admin`);
        expect(page.status).toBe(200);
        expect(await page.text()).toMatch(/<html/i);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      expect(output).toMatch(/"msg":"pix-lightning-ledger shutting down on SIGTERM[^"]*","signal":"SIGTERM"/);
      const cliEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: dataDir };
      const verify = run(['dist/infrastructure/cli/ledger.cli.js', 'verify'], app, cliEnv);
      expect(verify).toEqual({ code: 0, output: expect.stringMatching(/verif/i) });
      const help = run(['dist/infrastructure/cli/ledger.cli.js', '--help'], app, cliEnv);
      expect(help.code).toBe(0);
    },
    IMAGE_TIMEOUT_MS,
  );
});

describe('runtimeCopies', () => {
  it('reads the last stage only, with --from and plain copies', () => {
    const { workdir, copies } = runtimeCopies(
      'FROM a AS build\nWORKDIR /x\nCOPY src ./src\nFROM b\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nCOPY admin-page ./admin-page\n',
    );
    expect(workdir).toBe('/app');
    expect(copies).toEqual([
      { from: 'build', sources: ['/app/dist'], destination: './dist' },
      { from: null, sources: ['admin-page'], destination: './admin-page' },
    ]);
  });
});
