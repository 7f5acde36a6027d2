import Database from 'better-sqlite3';
import { CheckpointWatcher } from './checkpoint-watcher';
import { LogCheckpoints } from './log-checkpoints';
import { SqliteFollowerStorage } from './sqlite-follower-storage';

describe('CheckpointWatcher (a follower another instance applies, seen through its stored checkpoint)', () => {
  let now: number;
  const clock = { now: () => new Date(now) };
  let db: Database.Database;
  let checkpoints: LogCheckpoints;
  let watcher: CheckpointWatcher;

  beforeEach(async () => {
    now = Date.parse('2025-07-09T12:00:00.000Z');
    db = new Database(':memory:');
    checkpoints = new LogCheckpoints(db);
    // Polls only on demand (refresh) or while someone waits: the spec decides when the checkpoint is read.
    watcher = new CheckpointWatcher({ name: 'projections', storage: new SqliteFollowerStorage(db, checkpoints), clock, pollMs: 3_600_000 });
    await watcher.start();
  });
  afterEach(() => {
    watcher.stop();
    db.close();
  });

  it('is behind from the first status call that saw an unreached head until the checkpoint reaches that head', async () => {
    checkpoints.write('projections', '10');
    await watcher.refresh();
    expect(watcher.status('10')).toMatchObject({ position: '10', behindForMs: 0 });

    expect(watcher.status('12')).toMatchObject({ position: '10', behindForMs: 0 });
    now += 4_000;
    // The head moves on under load: lag counts from the first head it had not reached, not from the newest.
    expect(watcher.status('15')).toMatchObject({ behindForMs: 4_000 });
    checkpoints.write('projections', '12');
    await watcher.refresh();
    now += 1_000;
    // Past 12: the lag restarts from when 15 was seen unreached (this call).
    expect(watcher.status('15')).toMatchObject({ position: '12', behindForMs: 0 });
    now += 11_000;
    expect(watcher.status('16')).toMatchObject({ behindForMs: 11_000 });
    checkpoints.write('projections', '16');
    await watcher.refresh();
    expect(watcher.status('16')).toMatchObject({ position: '16', behindForMs: 0 });
  });

  it('releases waiters when the stored checkpoint reaches their position, reading it while they wait', async () => {
    const reached: string[] = [];
    const first = watcher.waitFor('5').then(() => reached.push('5'));
    const second = watcher.waitFor('9').then(() => reached.push('9'));
    checkpoints.write('projections', '6');
    await first;
    expect(reached).toEqual(['5']);
    checkpoints.write('projections', '9');
    await second;
    expect(reached).toEqual(['5', '9']);
    await watcher.waitFor('3');
  });

  it('reports a checkpoint it cannot read as an error, behind from the first failure', async () => {
    checkpoints.write('projections', '4');
    await watcher.refresh();
    db.exec('DROP TABLE log_checkpoints');
    await watcher.refresh();
    now += 7_000;
    expect(watcher.status('4')).toMatchObject({
      position: '4',
      retries: 1,
      behindForMs: 7_000,
      error: expect.stringContaining('log_checkpoints'),
    });
  });
});
