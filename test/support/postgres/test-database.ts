import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A fresh, empty database on the run's PostgreSQL server (started by
 * test/support/postgres/jest-global-setup.js): one per test file or per case,
 * so suites never see each other's rows. `drop` ends every connection to it first.
 */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function testPostgresUrl(): string {
  const url = process.env.PLL_TEST_POSTGRES_URL;
  if (!url) throw new Error('PLL_TEST_POSTGRES_URL is not set: run the tests through jest (its global set-up starts PostgreSQL)');
  return url;
}

export async function createTestDatabase(prefix = 'pll'): Promise<TestDatabase> {
  const admin = testPostgresUrl();
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
