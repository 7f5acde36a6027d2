import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { DigestProof, LedgerCheck, LedgerReport, proveDigest } from '../../application/ledger-integrity/ledger-verifier';
import { payoutPolicy } from '../../application/payout-settings';
import { LedgerViolation, checkReservations } from '../../domain/audit/payout-audit';
import { endToEndIdStreamName, orderIdOfPayoutStream, paymentHashStreamName } from '../../domain/streams/stream-names';
import { EventStore, StoredEvent, comparePositions } from '../../application/ports/event-store.port';
import { PayoutSettings } from '../../application/payout-settings';
import { AppConfig } from '../config/app-config';
import { RecordedTimings, readTimings } from '../projections/recorded-timings';
import { payoutSettingsFrom } from '../config/payout-settings.factory';
import { LogCheckpoints, PROJECTIONS_CHECKPOINT } from '../log-follower/log-checkpoints';
import { AdminStatsProjection } from '../projections/admin-stats.projection';
import { PayoutsProjection } from '../projections/payouts.projection';
import { Projection } from '../projections/projection';
import { ReadModelBuilder, compareReadModels } from '../projections/read-model-builder';
import { EXIT_FOUND, EXIT_OK, UsageError } from './cli-errors';
import { cliConfig, openLiveReadModels, withStore } from './cli-store';
import { ProgressReporter, logSize } from './cli-progress-reporter';
import { OpenAuditPool } from './open-audit-pool';
import { sqlitePositionGaps } from './sqlite-position-gaps';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';

/** What a position of either store looks like: SQLite's integer, EventStoreDB's commit/prepare. */
const POSITION = /^(0|[1-9][0-9]*)(\/(0|[1-9][0-9]*))?$/;
import { positiveInt } from './reconcile.command';

const RESERVATION_TYPES = new Set(['EndToEndIdReserved', 'PaymentHashReserved', 'ReservationReleased']);

export interface VerifyResult {
  events: number;
  orders: number;
  /** The live read models were compared up to this position (their checkpoint): a lagging service is no violation. */
  readModelsComparedUpTo: string | null;
  violations: LedgerViolation[];
}

const SCRATCH_PAGE_SIZE = 65_536;
/** Scratch page cache (KiB): the rebuilt tables' pages stay in memory instead of going back and forth to the file. */
const SCRATCH_CACHE_KIB = 64 * 1024;

/**
 * The ledger's invariants over the whole log, then every read model rebuilt
 * into a scratch database and compared row by row with the live one (up to
 * the live checkpoint, so a lagging service is not a violation). One pass
 * over the log in position order feeds the scratch read models, who holds
 * each reservation, and each order's audit (OpenAuditPool: memory stays
 * bounded however many orders are open at once). `alongside` gets every
 * event of that pass too: the CLI checks the hash chains and digests on it
 * instead of reading the log a second time.
 */
export async function verifyLedger(
  config: AppConfig,
  store: EventStore,
  live: Database.Database,
  alongside?: { add(event: StoredEvent): void },
  timings: Partial<TimingOptions> = {},
): Promise<VerifyResult> {
  const settings = verifySettings(payoutSettingsFrom(config), readTimings(live), timings);
  const projections = [new PayoutsProjection(settings), new AdminStatsProjection()];
  const scratchDir = mkdtempSync(join(tmpdir(), 'ledger-verify-'));
  const scratchFile = join(scratchDir, 'read-models.sqlite');
  const scratch = openScratch(scratchFile);
  try {
    for (const projection of projections) projection.setup(live);
    const liveCheckpoint = new LogCheckpoints(live).read(PROJECTIONS_CHECKPOINT).position;
    let events = 0;
    const holders = new Map<string, string | null>();
    // One transaction for the whole rebuild (the builder's batches become savepoints): no lock and commit per batch.
    scratch.exec('BEGIN');
    const builder = new ReadModelBuilder(scratch, projections);
    dropLookupIndexes(scratch);
    const audits = new OpenAuditPool(store, payoutPolicy(settings));
    // Positions only grow: once an event is past the checkpoint, every later one is too.
    let rebuilding = liveCheckpoint !== null;
    const scan = new ProgressReporter('verify: reading the log');
    const total = await logSize(store);
    for await (const event of store.readAll()) {
      scan.update(++events, total);
      alongside?.add(event);
      if (rebuilding && comparePositions(event.position, liveCheckpoint!) > 0) rebuilding = false;
      if (rebuilding) builder.add(event);
      const orderId = orderIdOfPayoutStream(event.stream);
      if (orderId !== null) await audits.apply(orderId, event);
      else if (RESERVATION_TYPES.has(event.type))
        holders.set(event.stream, event.type === 'ReservationReleased' ? null : String(event.data.orderId));
    }
    builder.finish();
    scratch.exec('COMMIT');
    scan.done();
    const reservationHolders = {
      endToEndId: (id: string) => holders.get(endToEndIdStreamName(id)),
      paymentHash: (hash: string) => holders.get(paymentHashStreamName(hash)),
    };
    const orders = audits.orders;
    const violations = audits.close().flatMap((closed) => checkReservations(closed, reservationHolders));
    scratch.close();
    for (const difference of compareReadModels(live, scratchFile, projections)) {
      violations.push({
        orderId: difference.key,
        rule: 'read_model',
        detail: `${difference.table}: ${difference.problem.replace(/_/g, ' ')} (key ${difference.key})`,
      });
    }
    return { events, orders, readModelsComparedUpTo: liveCheckpoint, violations };
  } finally {
    if (scratch.open) scratch.close();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

/** The SQLite projections of this configuration: what a rebuild writes and what the live copy is compared on. */
function readModelProjections(config: AppConfig): Projection[] {
  return [new PayoutsProjection(payoutSettingsFrom(config)), new AdminStatsProjection()];
}

export interface TimingOptions {
  voltzTimeoutMs: number;
  notFoundGraceMs: number;
  sentInvoiceSlackMs: number;
}

/**
 * The fallback view's due times depend on the service's timings: an option
 * wins, then what the service recorded beside its read models, then this
 * environment. So a copy of the store verifies alike without the service's variables.
 */
function verifySettings(fromEnv: PayoutSettings, recorded: RecordedTimings | null, options: Partial<TimingOptions>): PayoutSettings {
  const settings: PayoutSettings = recorded
    ? {
        ...fromEnv,
        invoiceMarginMs: recorded.invoiceMarginMs,
        paymentNotFoundGraceMs: recorded.paymentNotFoundGraceMs,
        sentInvoiceSlackMs: recorded.sentInvoiceSlackMs,
        voltzTimeoutMs: recorded.claimTimeoutMs,
      }
    : fromEnv;
  const voltzTimeoutMs = options.voltzTimeoutMs ?? settings.voltzTimeoutMs;
  return {
    ...settings,
    voltzTimeoutMs,
    // As the service derives it (payoutSettingsFrom) when the timeout is given.
    invoiceMarginMs: options.voltzTimeoutMs !== undefined ? 2 * voltzTimeoutMs : settings.invoiceMarginMs,
    paymentNotFoundGraceMs: options.notFoundGraceMs ?? settings.paymentNotFoundGraceMs,
    sentInvoiceSlackMs: options.sentInvoiceSlackMs ?? settings.sentInvoiceSlackMs,
  };
}

function openScratch(filename: string): Database.Database {
  const scratch = new Database(filename);
  // A read-model row is a few KB of JSON: large pages hold many, so the rebuild and the comparison touch far fewer.
  scratch.pragma(`page_size = ${SCRATCH_PAGE_SIZE}`);
  // Nobody else opens the scratch file: no file lock taken and released around every statement.
  scratch.pragma('locking_mode = EXCLUSIVE');
  // A scratch copy: losing it to a crash costs nothing.
  scratch.pragma('journal_mode = OFF');
  scratch.pragma('synchronous = OFF');
  scratch.pragma(`cache_size = -${SCRATCH_CACHE_KIB}`);
  return scratch;
}

/**
 * The scratch copy is only ever compared by primary key, so the indexes the
 * service reads its read models by would only slow its rebuild down. Unique
 * ones stay: they decide what an insert does.
 */
function dropLookupIndexes(scratch: Database.Database): void {
  const indexes = scratch
    .prepare<[], string>(
      "SELECT i.name FROM sqlite_master t, pragma_index_list(t.name) i WHERE t.type = 'table' AND i.origin = 'c' AND i.\"unique\" = 0",
    )
    .pluck()
    .all();
  for (const index of indexes) scratch.exec(`DROP INDEX "${index}"`);
}

/** `ledger verify`: the ledger's invariants and read models, then every hash chain and digest (tamper evidence). */
export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'check every order (paid at most once, a claimed hash, its amount, one live hash, no claim forgotten, reservations), ' +
        'the read models against a rebuild, and every hash chain and recorded digest; with --digest, prove the log ' +
        'still holds what that digest saw',
    )
    .option('--json', 'print the summary, the violations and the breaks as one JSON object')
    .option('--digest <root>', "a digest root from an auditor's own copy (GET /v1/audit/digests): prove the log still holds it")
    .option('--position <position>', 'with --digest: the position that digest covers (from the same copy)')
    .option('--voltz-timeout-ms <ms>', "the service's VOLTZ_TIMEOUT_MS, for a store it never recorded its timings in", (v) =>
      positiveInt(v, '--voltz-timeout-ms'),
    )
    .option('--not-found-grace-ms <ms>', "the service's PAYMENT_NOT_FOUND_GRACE_MS (ditto)", (v) => positiveInt(v, '--not-found-grace-ms'))
    .option('--sent-invoice-slack-ms <ms>', "the service's SENT_INVOICE_EXPIRY_SLACK_MS (ditto)", (v) =>
      positiveInt(v, '--sent-invoice-slack-ms'),
    )
    .action(async (options: { json?: boolean; digest?: string; position?: string } & Partial<TimingOptions>) => {
      if (options.digest !== undefined && !/^[0-9a-f]{64}$/.test(options.digest))
        throw new UsageError('--digest must be a root as GET /v1/audit/digests shows it: 64 lowercase hex digits');
      if (options.position !== undefined && options.digest === undefined) throw new UsageError('--position goes with --digest');
      if (options.position !== undefined && !POSITION.test(options.position))
        throw new UsageError('--position must be a position as GET /v1/audit/digests shows it (a non-negative integer, or commit/prepare)');
      const config = cliConfig();
      if (options.digest !== undefined) {
        const proof = await withStore(config, (store) => proveDigest(store, options.digest!, options.position));
        printProof(proof, options.json ?? false);
        process.exitCode = proof.held ? EXIT_OK : EXIT_FOUND;
        return;
      }
      const { result, chains } = await withStore(config, async (store, pool) => {
        const live = await openLiveReadModels(config, pool, readModelProjections(config));
        try {
          const check = await LedgerCheck.open(store);
          return {
            result: await verifyLedger(config, store, live.db, check, {
              voltzTimeoutMs: options.voltzTimeoutMs,
              notFoundGraceMs: options.notFoundGraceMs,
              sentInvoiceSlackMs: options.sentInvoiceSlackMs,
            }),
            chains: check.report(),
          };
        } finally {
          live.close();
        }
      });
      if (config.eventStore.kind === 'sqlite') chains.breaks.push(...sqlitePositionGaps(join(config.dataDir, SQLITE_EVENTS_FILE)));
      const { events, orders, readModelsComparedUpTo, violations } = result;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...result, chains })}\n`);
      } else {
        process.stdout.write(
          `verified ${orders} orders over ${events} events; read models compared up to position ${readModelsComparedUpTo ?? '(none)'}\n`,
        );
        for (const v of violations) process.stdout.write(`VIOLATION ${v.rule} order ${v.orderId}: ${v.detail}\n`);
        printChains(chains);
        process.stdout.write(violations.length === 0 ? 'all invariants held\n' : `${violations.length} violation(s)\n`);
      }
      process.exitCode = violations.length === 0 && chains.breaks.length === 0 ? EXIT_OK : EXIT_FOUND;
    });
}

function printChains(report: LedgerReport): void {
  for (const found of report.breaks) {
    process.stdout.write(
      `BREAK ${found.kind} at ${found.stream} revision ${found.revision ?? '-'} (position ${found.position ?? '-'}): ${found.detail}\n`,
    );
  }
  const verdict = report.breaks.length === 0 ? 'ledger verified' : `ledger NOT verified: ${report.breaks.length} break(s)`;
  process.stdout.write(
    `${verdict}: ${report.events} events in ${report.streams} streams up to position ` +
      `${report.position ?? '(empty)'}, ${report.digests} digest(s) recomputed\n`,
  );
}

function printProof(proof: DigestProof, json: boolean): void {
  process.stdout.write(
    json ? `${JSON.stringify(proof, null, 2)}\n` : `digest ${proof.root} ${proof.held ? 'HELD' : 'NOT HELD'}: ${proof.detail}\n`,
  );
}
