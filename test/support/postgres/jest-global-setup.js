// Starts the run's PostgreSQL server (test/support/postgres/start-test-postgres.mjs) before any test file and
// publishes its URL as PLL_TEST_POSTGRES_URL; each test file makes a fresh database on it (test-database.ts).
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { createInterface } = require('node:readline');

module.exports = async function startTestPostgres() {
  if (process.env.PLL_TEST_POSTGRES_URL) return; // a server given from outside (README, "Two commands")
  const child = spawn(process.execPath, [join(__dirname, 'start-test-postgres.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`the test PostgreSQL did not start (exit ${code}): ${stderr.join('')}`)));
  });
  process.env.PLL_TEST_POSTGRES_URL = url;
  globalThis.__PLL_TEST_POSTGRES__ = child;
};
