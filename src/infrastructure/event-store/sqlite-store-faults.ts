import { StoreUnavailableError } from '../../application/ports/event-store.port';

/** Result codes that mean the file itself is damaged: nothing read from it can be trusted. */
const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/;
/** Result codes that mean the file cannot be read or written now (full disk, I/O error, gone): the request may be retried. */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|NOMEM|PROTOCOL|BUSY|LOCKED)/;

/**
 * A SQLite fault as the StoreUnavailableError every caller answers with 503,
 * or null for anything else (a constraint, a bug). By code rather than by
 * class: better-sqlite3's error class may come from another module registry.
 */
export function sqliteStoreFault(error: unknown): StoreUnavailableError | null {
  if (error instanceof StoreUnavailableError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return null;
  const message = (error as { message?: unknown }).message;
  const reason = `SQLite ${code}${typeof message === 'string' ? `: ${message}` : ''}`;
  if (CORRUPT.test(code)) return new StoreUnavailableError('store_corrupt', reason, { cause: error });
  if (UNAVAILABLE.test(code)) return new StoreUnavailableError('store_unavailable', reason, { cause: error });
  return null;
}
