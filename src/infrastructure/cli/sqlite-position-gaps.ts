import Database from 'better-sqlite3';
import { LedgerBreak } from '../../application/ledger-integrity/ledger-scan';

/**
 * SQLite positions are contiguous by construction: AUTOINCREMENT hands out
 * 1, 2, 3... and a rolled-back append gives its numbers back with its
 * transaction. So a missing number is a removed event, and a highest position
 * below the one SQLite last handed out (sqlite_sequence) is a removed last
 * event, which no hash chain can show. Read-only.
 */
export function sqlitePositionGaps(filename: string): LedgerBreak[] {
  const db = new Database(filename, { readonly: true, fileMustExist: true });
  try {
    const breaks: LedgerBreak[] = [];
    const gap = (position: string, detail: string) =>
      breaks.push({ stream: '$all', revision: null, position, kind: 'position_gap', detail });
    const gaps = db
      .prepare<[], { after: number; next: number }>(
        `SELECT position AS after, next FROM (SELECT position, lead(position) OVER (ORDER BY position) AS next FROM events)
         WHERE next IS NOT NULL AND next <> position + 1`,
      )
      .all();
    const first = db.prepare<[], number | null>('SELECT min(position) FROM events').pluck().get() ?? null;
    if (first !== null && first !== 1) gap(String(first), `positions 1 to ${first - 1} are missing: events were removed`);
    for (const { after, next } of gaps) gap(String(next), `positions ${after + 1} to ${next - 1} are missing: events were removed`);
    const head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck().get() ?? 0;
    const handedOut = db.prepare<[], number | null>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0;
    if (handedOut > head) {
      gap(String(handedOut), `positions ${head + 1} to ${handedOut} were handed out but are missing: the last event(s) were removed`);
    }
    return breaks;
  } finally {
    db.close();
  }
}
