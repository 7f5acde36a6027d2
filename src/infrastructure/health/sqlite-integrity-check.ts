import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { statSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';
import { StoreUnavailableError } from '../../application/ports/event-store.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SQLITE_EVENTS_FILE } from '../event-store/event-store.module';
import { StoreFaults } from './store-faults';

/** Files up to this size are checked at once, before the first request (milliseconds); larger ones in a worker thread. */
const CHECK_IN_PLACE_BELOW_BYTES = 32 * 1024 * 1024;

/** Read-only, so it cannot write what it checks. Plain JavaScript: it is also run as a worker thread's source. */
const CHECK = `
function quickCheck(Database, filename) {
  let db;
  try {
    db = new Database(filename, { readonly: true, fileMustExist: true });
    const rows = db.pragma('quick_check(20)', { simple: false }).map((row) => Object.values(row)[0]);
    return { ok: rows.length === 1 && rows[0] === 'ok', detail: rows.join('; ') };
  } catch (error) {
    return { ok: false, code: error.code, detail: String(error.message || error) };
  } finally {
    if (db) db.close();
  }
}
if (require('worker_threads').workerData?.filename) {
  const { parentPort, workerData } = require('worker_threads');
  parentPort.postMessage(quickCheck(require(workerData.driver), workerData.filename));
}
`;

/** The same check in this thread: the function the worker's source defines. */
const quickCheckInPlace = new Function('require', `${CHECK}; return quickCheck;`)(require) as (
  database: unknown,
  filename: string,
) => CheckResult;

interface CheckResult {
  ok: boolean;
  code?: string;
  detail: string;
}

/**
 * SQLite's quick_check of the events file at start-up — in a worker thread
 * when the file is large, so requests are served meanwhile: readiness is 503
 * until it passes, and a damaged file becomes a store_corrupt fault (every
 * store access 503, one ALERT line).
 */
@Injectable()
export class SqliteIntegrityCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IntegrityCheck');
  private worker: Worker | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly faults: StoreFaults,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.eventStore.kind !== 'sqlite') return;
    const filename = join(this.config.dataDir, SQLITE_EVENTS_FILE);
    this.faults.checking(`quick_check of ${filename}`);
    if (sizeOf(filename) < CHECK_IN_PLACE_BELOW_BYTES) {
      this.conclude(quickCheckInPlace(Database, filename));
      return;
    }
    const worker = new Worker(CHECK, { eval: true, workerData: { filename, driver: require.resolve('better-sqlite3') } });
    this.worker = worker;
    worker.once('message', (result: CheckResult) => this.conclude(result));
    worker.once('error', (error) => this.conclude({ ok: false, detail: String(error.message) }));
    worker.once('exit', () => (this.worker = null));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.terminate();
  }

  private conclude(result: CheckResult): void {
    if (this.faults.pending() === null) return;
    this.faults.checked();
    if (result.ok) {
      this.logger.log('quick_check of the event store passed');
      return;
    }
    const corrupt = result.code === undefined || /^SQLITE_(CORRUPT|NOTADB)/.test(result.code);
    this.faults.record(new StoreUnavailableError(corrupt ? 'store_corrupt' : 'store_unavailable', `quick_check: ${result.detail}`), 'read');
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
