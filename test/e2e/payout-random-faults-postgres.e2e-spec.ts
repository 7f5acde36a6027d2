import { createTestDatabase } from '../support/postgres/test-database';
import { describeRandomFaultRun } from '../support/random-fault-suite';

// The ledger, the read models and the outbox in PostgreSQL: the same schedule and verdicts, `ledger verify` included.
describeRandomFaultRun({
  name: 'PostgreSQL',
  open: async () => {
    const database = await createTestDatabase('random');
    return { env: { EVENT_STORE: 'postgres', DATABASE_URL: database.url }, drop: () => database.drop() };
  },
});
