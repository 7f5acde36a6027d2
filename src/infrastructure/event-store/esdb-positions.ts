import type { Position } from '@eventstore/db-client';
import { InvalidPositionError } from '../../application/ports/event-store.port';

/**
 * Positions are `${commit}/${prepare}` in decimal: opaque to callers, and
 * parsed back into the EventStoreDB position they came from.
 */
export function encodePosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** A caller's malformed position is its mistake, told apart from a server fault by InvalidPositionError. */
export function decodePosition(encoded: string): Position {
  const match = /^([0-9]{1,20})\/([0-9]{1,20})$/.exec(encoded);
  if (match === null) {
    throw new InvalidPositionError(encoded, 'an EventStoreDB position is "commit/prepare" in decimal');
  }
  const position = { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  if (position.commit > MAX_UINT64 || position.prepare > MAX_UINT64) {
    throw new InvalidPositionError(encoded, 'commit and prepare are unsigned 64-bit integers');
  }
  return position;
}

/** Decodes the port's optional `after`; null means from the start. */
export function decodeAfter(after: string | null | undefined): Position | null {
  return after === undefined || after === null ? null : decodePosition(after);
}

export function isAfter(position: Position | undefined, after: Position | null): boolean {
  if (after === null) {
    return true;
  }
  if (position === undefined) {
    return false;
  }
  return position.commit > after.commit || (position.commit === after.commit && position.prepare > after.prepare);
}
