import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir } from '../../../test/support/temp-dir';
import { Projection } from './projection';
import { compareReadModels } from './read-model-builder';

const table: Projection = {
  name: 'accounts',
  tables: [{ name: 'accounts', key: 'id' }],
  setup: (db) => db.exec('CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL, note TEXT)'),
  reset: () => undefined,
  apply: () => undefined,
};

describe('compareReadModels', () => {
  const dir = makeTempDir('pll-compare-read-models');
  afterAll(() => dir.remove());

  it('names each row that differs, is missing in live or is extra in live, by key, and nothing else', () => {
    const rebuiltFile = join(dir.path, 'rebuilt.sqlite');
    const rebuilt = new Database(rebuiltFile);
    table.setup(rebuilt);
    rebuilt.exec("INSERT INTO accounts VALUES ('same', 1, NULL), ('changed', 2, 'a'), ('nulled', 3, 'b'), ('lost', 4, NULL)");
    rebuilt.close();
    const live = new Database(':memory:');
    table.setup(live);
    live.exec("INSERT INTO accounts VALUES ('same', 1, NULL), ('changed', 20, 'a'), ('nulled', 3, NULL), ('planted', 5, NULL)");
    expect(compareReadModels(live, rebuiltFile, [table])).toEqual([
      { table: 'accounts', key: 'changed', problem: 'differs' },
      { table: 'accounts', key: 'lost', problem: 'missing_in_live' },
      { table: 'accounts', key: 'nulled', problem: 'differs' },
      { table: 'accounts', key: 'planted', problem: 'extra_in_live' },
    ]);
    live.close();
  });
});
