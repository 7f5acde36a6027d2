/** Time and randomness are injected so tests are deterministic. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new unique id (UUID v4 in production). */
  next(): string;
}

/** Uniform in [0, 1): jitter for backoffs. */
export interface RandomSource {
  next(): number;
}

export const CLOCK = Symbol('CLOCK');
export const RANDOM = Symbol('RANDOM');
export const ID_GENERATOR = Symbol('ID_GENERATOR');
