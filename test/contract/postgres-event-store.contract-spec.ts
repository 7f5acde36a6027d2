import { createPostgresPool } from '../../src/infrastructure/postgres/postgres-pool';
import { migratePostgres } from '../../src/infrastructure/postgres/postgres-migrations';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres-event-store';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database';
import { runEventStoreContract } from './event-store.contract';

const clock = { now: () => new Date() };
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('pg_contract');
  await migratePostgres(database.url);
});

afterAll(async () => {
  await database.drop();
});

runEventStoreContract('PostgresEventStore', async () => {
  const pool = createPostgresPool({ url: database.url, size: 10 });
  const store = new PostgresEventStore({ pool, url: database.url, clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await pool.end();
    },
  };
});
