import { describeRandomFaultRun } from '../support/random-fault-suite';

// The ledger in SQLite, in the service's data dir (the default store).
describeRandomFaultRun({ name: 'SQLite', open: async () => ({ env: {}, drop: async () => undefined }) });
