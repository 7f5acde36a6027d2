import { existsSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';
import { DigestProof, LedgerReport, proveDigest, verifyLedger } from '../../application/ledger-integrity/ledger-verifier';
import { EventStore } from '../../application/ports/event-store.port';
import { InvalidConfigurationError, loadConfig } from '../config/load-config';
import { EsdbEventStore } from '../event-store/esdb-event-store';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { SystemClock } from '../system/system-clock';

/**
 * `ledger verify [--digest <root> [--position <position>]] [--json]`, with the
 * service's own configuration (environment). Without --digest: recomputes
 * every stream's chain and every recorded digest, listing each break with its
 * stream and revision. With --digest: proves the log still holds the state
 * that digest saw (its position is looked up in the ledger-digest stream, or
 * given with --position from the auditor's copy).
 * Exit code 0: all held; 1: a break was found (listed); 2: bad usage or configuration.
 */
const USAGE = 'usage: ledger verify [--digest <root> [--position <position>]] [--json]';

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const args = parseOptions(argv);
  const store = openStore();
  try {
    if (args.digest !== undefined) return printProof(await proveDigest(store, args.digest, args.position), args.json);
    return printReport(
      await verifyLedger(store, { onProgress: (events) => process.stderr.write(`verify: ${events} events read\n`), progressEvery: 100_000 }),
      args.json,
    );
  } finally {
    await store.close();
  }
}

function parseOptions(argv: string[]): { digest?: string; position?: string; json: boolean } {
  let values: { digest?: string; position?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv[0] === 'verify' ? argv.slice(1) : argv,
      options: { digest: { type: 'string' }, position: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.digest !== undefined && !/^[0-9a-f]{64}$/.test(values.digest)) throw new UsageError('--digest must be a root as GET /v1/audit/digests shows it: 64 lowercase hex digits');
  if (values.position !== undefined && values.digest === undefined) throw new UsageError('--position goes with --digest');
  return { digest: values.digest, position: values.position, json: values.json ?? false };
}

function openStore(): EventStore {
  const config = loadConfig(process.env);
  const clock = new SystemClock();
  if (config.eventStore.kind === 'esdb') return new EsdbEventStore({ connectionString: config.eventStore.connectionString, clock });
  const filename = join(config.dataDir, SQLITE_EVENTS_FILE);
  // Verifying must never create an empty ledger that then "verifies".
  if (!existsSync(filename)) throw new InvalidConfigurationError([`no event store at ${filename} (DATA_DIR)`]);
  return new SqliteEventStore({ filename, clock });
}

function printReport(report: LedgerReport, json: boolean): number {
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const found of report.breaks) {
      console.log(`BREAK ${found.kind} at ${found.stream} revision ${found.revision ?? '-'} (position ${found.position ?? '-'}): ${found.detail}`);
    }
    const prefix = report.unchainedPrefixEvents > 0 ? `; ${report.unchainedPrefixEvents} events predate chaining` : '';
    const verdict = report.breaks.length === 0 ? 'ledger verified' : `ledger NOT verified: ${report.breaks.length} break(s)`;
    console.log(`${verdict}: ${report.events} events in ${report.streams} streams up to position ${report.position ?? '(empty)'}, ${report.digests} digest(s) recomputed${prefix}`);
  }
  return report.breaks.length === 0 ? 0 : 1;
}

function printProof(proof: DigestProof, json: boolean): number {
  if (json) console.log(JSON.stringify(proof, null, 2));
  else console.log(`digest ${proof.root} ${proof.held ? 'HELD' : 'NOT HELD'}: ${proof.detail}`);
  return proof.held ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else if (error instanceof InvalidConfigurationError) console.error(error.message);
    else console.error(`ledger verify failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
