import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, schemaVersionOf } from '../../src/domain/events/event-catalogue';

/** The auditors' table of docs/auditing.md and the code's event catalogue say the same thing. */
describe('the event catalogue', () => {
  const doc = readFileSync(join(__dirname, '../../docs/auditing.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## What the ledger holds'), doc.indexOf('## The audit API'));
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

  it('names every event type once, each at one schema version', () => {
    const types = EVENT_CATALOGUE.flatMap((family) => [...family.types]);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(schemaVersionOf(type)).toBeGreaterThanOrEqual(1);
    expect(() => schemaVersionOf('NotAnEvent' as never)).toThrow('NotAnEvent is not in the event catalogue');
  });

  it('is the table of docs/auditing.md: each family on one row, with its streams, its types and its version, nothing else', () => {
    expect(rows).toHaveLength(EVENT_CATALOGUE.length);
    for (const family of EVENT_CATALOGUE) {
      const streams = family.streams
        .split(', ')
        .map((stream) => `\`${stream}\``)
        .join(', ');
      const row = rows.find(([cell]) => cell === streams);
      expect({ streams, documented: row !== undefined }).toEqual({ streams, documented: true });
      const [, events, version] = row as string[];
      expect([...events.matchAll(/`([A-Z][A-Za-z0-9]+)`/g)].map((match) => match[1])).toEqual([...family.types]);
      expect(version).toBe(String(family.schemaVersion));
    }
  });
});
