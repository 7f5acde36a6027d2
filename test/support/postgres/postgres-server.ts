import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const LAUNCHER = join(__dirname, 'start-test-postgres.mjs');

/**
 * A PostgreSQL server of a test's own (not the run's shared one), for tests
 * that stop the database under the service and start it again: same port,
 * same data directory, so the service's connection URL stays valid.
 */
export class PostgresServer {
  private child: ChildProcess | null = null;
  url = '';

  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  static async start(dataDir: string): Promise<PostgresServer> {
    const server = new PostgresServer(dataDir, await freePort());
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server again on its port and data (after `stop`). */
  async restart(): Promise<void> {
    if (this.child) return;
    const child = spawn(process.execPath, [LAUNCHER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PLL_PG_DIR: this.dataDir, PLL_PG_PORT: String(this.port) },
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
    this.url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(line.trim()));
      child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}): ${stderr.join('')}`)));
    });
    this.child = child;
  }

  /** A clean shutdown of the server (its data stays). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin!.end();
    });
  }

  /** A database URL on this server (the server's own default database unless named). */
  databaseUrl(database = 'postgres'): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
