/** Time and randomness are injected so tests are deterministic. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new unique id (UUID v4 in production). */
  next(): string;
}

export const CLOCK = Symbol('CLOCK');
export const ID_GENERATOR = Symbol('ID_GENERATOR');
