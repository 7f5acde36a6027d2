import { InvalidPositionError } from '../../application/ports/event-store.port';
import { decodeAfter, decodePosition, encodePosition, isAfter } from './esdb-positions';

describe('EventStoreDB positions', () => {
  it("round-trip through the port's opaque string", () => {
    const position = { commit: 18_446_744_073_709_551_615n, prepare: 42n };
    expect(decodePosition(encodePosition(position))).toEqual(position);
    expect(decodeAfter(null)).toBeNull();
    expect(decodeAfter(undefined)).toBeNull();
  });

  it.each(['', '12', '12/', '/12', '12/34/56', '-1/0', '1.5/2', ' 1/2', '0x10/1', '18446744073709551616/0', '123456789012345678901/0'])(
    'refuses %p with InvalidPositionError naming it',
    (encoded) => {
      expect(() => decodePosition(encoded)).toThrow(InvalidPositionError);
      expect(() => decodeAfter(encoded)).toThrow(expect.objectContaining({ position: encoded }));
    },
  );

  it('orders by commit, then prepare', () => {
    expect(isAfter({ commit: 5n, prepare: 5n }, { commit: 5n, prepare: 4n })).toBe(true);
    expect(isAfter({ commit: 5n, prepare: 5n }, { commit: 5n, prepare: 5n })).toBe(false);
    expect(isAfter({ commit: 4n, prepare: 9n }, { commit: 5n, prepare: 0n })).toBe(false);
    expect(isAfter(undefined, null)).toBe(true);
    expect(isAfter(undefined, { commit: 0n, prepare: 0n })).toBe(false);
  });
});
