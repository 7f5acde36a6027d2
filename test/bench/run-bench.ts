import { printTable, type BenchRow } from './bench-table';
import { benchEventStore } from './event-store.bench';

/** Every bench of the project; each returns its rows, printed together at the end. */
const benches: Array<() => Promise<BenchRow[]>> = [benchEventStore];

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const bench of benches) {
    rows.push(...(await bench()));
  }
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
