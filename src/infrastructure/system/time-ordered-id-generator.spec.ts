import { TimeOrderedIdGenerator } from './time-ordered-id-generator';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('TimeOrderedIdGenerator', () => {
  it('makes RFC 9562 version 7 UUIDs carrying the clock time', () => {
    const at = new Date('2026-11-29T08:00:00.123Z');
    const id = new TimeOrderedIdGenerator({ now: () => at }).next();
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at.getTime());
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    let ms = Date.parse('2026-11-29T08:00:00Z');
    const ids = new TimeOrderedIdGenerator({ now: () => new Date(ms++) });
    const made = Array.from({ length: 50 }, () => ids.next());
    expect([...made].sort()).toEqual(made);
  });

  it('never repeats an id within one millisecond, across refills of its random pool', () => {
    const ids = new TimeOrderedIdGenerator({ now: () => new Date('2026-11-29T08:00:00Z') });
    const made = Array.from({ length: 5_000 }, () => ids.next());
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) expect(id).toMatch(UUID_V7);
  });
});
