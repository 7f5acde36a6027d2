import { Logger } from '@nestjs/common';
import { PayoutStatus } from '../../domain/payout/payout-status';
import { SqliteFallbackQueue } from '../../infrastructure/projections/sqlite-fallback-queue';
import { PayoutsProjection } from '../../infrastructure/projections/payouts.projection';
import { openStoreWithReadModel, StoreWithReadModel } from '../../../test/support/store-with-read-model';
import { TestClock } from '../../../test/support/test-clock';
import { FallbackSweeper } from './fallback-sweeper';
import { ProcessOutcome, ProcessTrigger } from './payout-processor';

/**
 * The sweep over the real fallback view (SQLite read model): it revisits
 * exactly the orders due now, soonest first, through the one entry point that
 * advances a payout, sums up what became of them, and one order's failure
 * never stops the others.
 */
describe('FallbackSweeper', () => {
  const clock = new TestClock(new Date('2025-07-09T12:00:00Z'));
  let fixture: StoreWithReadModel;
  let queue: SqliteFallbackQueue;

  beforeEach(() => {
    fixture = openStoreWithReadModel(clock, 'pll-sweeper');
    new PayoutsProjection({} as never).setup(fixture.db);
    queue = new SqliteFallbackQueue(fixture.db);
  });
  afterEach(() => fixture.close());

  const enqueue = (orderId: string, status: PayoutStatus, dueInMs: number): void => {
    const due = new Date(clock.now().getTime() + dueInMs).toISOString();
    fixture.db
      .prepare('INSERT INTO fallback_queue (order_id, status, attempts, last_error, queued_at, next_attempt_at) VALUES (?, ?, 1, ?, ?, ?)')
      .run(orderId, status, 'timeout', clock.now().toISOString(), due);
  };

  /** A payout processor that answers each advanced order from a script, recording the order of the calls. */
  function processor(script: Record<string, ProcessOutcome['status'] | Error | { status: PayoutStatus; attempted: boolean }>) {
    const advanced: string[] = [];
    return {
      advanced,
      process: async (orderId: string, trigger: ProcessTrigger): Promise<ProcessOutcome> => {
        expect(trigger).toBe('sweep');
        advanced.push(orderId);
        const answer = script[orderId];
        if (answer instanceof Error) throw answer;
        if (answer !== null && typeof answer === 'object') return { orderId, ...answer };
        return { orderId, status: answer, attempted: false };
      },
    };
  }

  it('revisits only the orders due now, soonest first, and sums up what became of them', async () => {
    enqueue('later', 'RETRY_QUEUED', 60_000);
    enqueue('b_settles', 'PAYING', -1_000);
    enqueue('a_escalates', 'RETRY_QUEUED', -5_000);
    enqueue('c_retried', 'RETRY_QUEUED', 0);
    enqueue('d_waits', 'PAYING', -500);
    enqueue('e_fails', 'PAYING', -200);
    enqueue('f_cancelled', 'PAYING', -100);
    const commands = processor({
      b_settles: 'SETTLED',
      a_escalates: 'NEEDS_ATTENTION',
      c_retried: { status: 'RETRY_QUEUED', attempted: true },
      d_waits: 'PAYING',
      e_fails: 'FAILED',
      f_cancelled: 'CANCELLED',
    });
    const summary = await new FallbackSweeper(commands as never, queue, clock).sweep();
    expect(commands.advanced).toEqual(['a_escalates', 'b_settles', 'd_waits', 'e_fails', 'f_cancelled', 'c_retried']);
    expect(commands.advanced).not.toContain('later');
    expect(summary).toEqual({ examined: 6, settled: 1, retried: 1, stillPending: 1, escalated: 1, failed: 1, cancelled: 1 });
  });

  it('one order whose revisit throws (the store briefly locked) does not stop the sweep for the others', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    enqueue('broken', 'RETRY_QUEUED', -2_000);
    enqueue('fine', 'RETRY_QUEUED', -1_000);
    const commands = processor({ broken: new Error('SQLITE_BUSY'), fine: 'SETTLED' });
    const summary = await new FallbackSweeper(commands as never, queue, clock).sweep();
    expect(summary).toMatchObject({ examined: 2, settled: 1, stillPending: 1 });
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ orderId: 'broken', error: 'SQLITE_BUSY' }));
  });
});
