import { benchAudit } from './audit.bench';
import { printTable, type BenchRow } from './bench-table';
import { benchEventStore } from './event-store.bench';
import { benchLedgerChain } from './ledger-chain.bench';
import { benchObservabilityOverhead } from './observability-overhead.bench';
import { benchPayoutThroughput } from './payout-throughput.bench';
import { benchPostgresPayouts } from './postgres-payouts.bench';
import { benchPostgresStore } from './postgres-store.bench';
import { benchSweepCost } from './sweep-cost.bench';

/** Every bench of the project; each returns its rows, printed together at the end. */
const benches: Array<{ name: string; run: () => Promise<BenchRow[]> }> = [
  { name: 'event-store', run: benchEventStore },
  { name: 'ledger-chain', run: benchLedgerChain },
  { name: 'payout-throughput', run: benchPayoutThroughput },
  { name: 'sweep-cost', run: benchSweepCost },
  { name: 'audit', run: benchAudit },
  { name: 'observability-overhead', run: benchObservabilityOverhead },
  { name: 'postgres-payouts', run: benchPostgresPayouts },
  { name: 'postgres-store', run: benchPostgresStore },
];

/** BENCH_ONLY=name[,name...] runs a subset (names above); default: all. */
function selected(): typeof benches {
  const only = process.env.BENCH_ONLY?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!only || only.length === 0) return benches;
  const unknown = only.filter((name) => !benches.some((bench) => bench.name === name));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown bench ${unknown.join(', ')} (known: ${benches.map((b) => b.name).join(', ')})`);
  return benches.filter((bench) => only.includes(bench.name));
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const bench of selected()) {
    const startedAt = Date.now();
    rows.push(...(await bench.run()));
    process.stderr.write(`[bench] ${bench.name} done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`);
  }
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
