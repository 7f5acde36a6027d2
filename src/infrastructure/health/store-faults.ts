import { Injectable, Logger } from '@nestjs/common';
import { StoreUnavailableError } from '../../application/ports/event-store.port';
import { sqliteStoreFault } from '../event-store/sqlite-store-faults';

/** Which kind of access failed: a fault of a write is cleared only by a write that succeeds (a full disk still reads). */
export type StoreAccess = 'read' | 'write';

interface Fault {
  error: StoreUnavailableError;
  access: StoreAccess;
}

/**
 * The store's last fault, for every store kind: readiness answers 503 at once
 * while one is current, and each fault episode gives one ALERT line.
 * Corruption is never cleared in the process (an operator restores the file
 * and restarts); unavailability clears when the store answers again. Until a
 * start-up integrity check has passed, the store counts as not checked.
 */
@Injectable()
export class StoreFaults {
  private readonly logger = new Logger('StoreFaults');
  private fault: Fault | null = null;
  private pendingCheck: string | null = null;

  /** The fault an error is, if it is one: recorded (and alerted once per episode). */
  classify(error: unknown, access: StoreAccess): StoreUnavailableError | null {
    const fault = sqliteStoreFault(error);
    if (fault !== null) this.record(fault, access);
    return fault;
  }

  record(error: StoreUnavailableError, access: StoreAccess): void {
    if (this.fault?.error.code === 'store_corrupt') return;
    const episode = this.fault === null || error.code !== this.fault.error.code;
    this.fault = { error, access: this.fault?.access === 'write' ? 'write' : access };
    if (episode) this.logger.error(`ALERT ${error.code}: ${error.message}; requests that need the store get 503`);
  }

  /** The store answered an access of this kind. */
  answered(access: StoreAccess): void {
    if (this.fault === null || this.fault.error.code === 'store_corrupt') return;
    if (this.fault.access === 'write' && access !== 'write') return;
    this.logger.log(`The store answers again (${this.fault.error.code} is over)`);
    this.fault = null;
  }

  /** Corruption refuses every access: no decision is made on a damaged ledger. */
  refuseIfCorrupt(): void {
    if (this.fault?.error.code === 'store_corrupt') throw this.fault.error;
  }

  current(): StoreUnavailableError | null {
    return this.fault?.error ?? null;
  }

  checking(what: string): void {
    this.pendingCheck = what;
  }

  checked(): void {
    this.pendingCheck = null;
  }

  /** What readiness waits for: an integrity check still running, or null. */
  pending(): string | null {
    return this.pendingCheck;
  }
}
