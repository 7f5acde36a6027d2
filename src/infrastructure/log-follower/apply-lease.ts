/**
 * Whether this process may apply the shared followers (the read models, the
 * webhook outbox's feeder) now. With SQLite each process applies its own
 * (the file's lock serializes them); with PostgreSQL one instance holds the
 * lease and the others watch the shared checkpoints.
 */
export interface ApplyLease {
  readonly held: boolean;
  /** Called with the new state on every change, in order. */
  onChange(listener: (held: boolean) => void): void;
}

export const APPLY_LEASE = Symbol('APPLY_LEASE');

/** SQLite mode: every process applies. */
export const ALWAYS_HELD: ApplyLease = { held: true, onChange: () => undefined };
