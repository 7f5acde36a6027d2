import { OncePerId } from './once-per-id';

describe('OncePerId', () => {
  it('answers true only the first time an id is shown', () => {
    const once = new OncePerId(10);
    expect(once.first('a')).toBe(true);
    expect(once.first('a')).toBe(false);
    expect(once.first('b')).toBe(true);
    expect(once.first('a')).toBe(false);
  });

  it('keeps at most `capacity` ids, forgetting the oldest first', () => {
    const once = new OncePerId(3);
    for (const id of ['a', 'b', 'c', 'd']) once.first(id);
    expect(once.size).toBe(3);
    expect(once.first('d')).toBe(false);
    expect(once.first('b')).toBe(false);
    expect(once.first('a')).toBe(true);
    for (let i = 0; i < 1_000; i++) once.first(`id-${i}`);
    expect(once.size).toBe(3);
  });
});
