import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store';
import { SystemClock } from '../../src/infrastructure/system/system-clock';
import { runEsdbOnlyContract } from './esdb-only.contract';
import { runEventStoreContract } from './event-store.contract';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING ?? '';

// Without a server the suite must show up as skipped, not as passed.
const describeIfEsdb = connectionString !== '' ? describe : describe.skip;

describeIfEsdb('EsdbEventStore against EVENTSTORE_CONNECTION_STRING', () => {
  runEventStoreContract('EsdbEventStore', async () => {
    const store = new EsdbEventStore({ connectionString, clock: new SystemClock() });
    return { store, cleanup: () => store.close() };
  });
  runEsdbOnlyContract(connectionString);
});
