import { Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { ORDER_ID, bolt11Destination, cmd, invoice, NOW } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { TimeOrderedIdGenerator } from '../../infrastructure/system/time-ordered-id-generator';
import { makeTempDir } from '../../../test/support/temp-dir';
import { ApplicationError } from '../application-error';
import { AppendOutcomeUnknownError } from '../ports/event-store.port';
import { CommandContext } from '../command-context';
import { PayoutCommandExecutor } from './payout-command-executor';
import { PayoutRepository } from './payout-repository';
import { Reservations } from './reservations';

/**
 * The executor against the real SQLite store: a caller's `from` is only the
 * revision the first append expects. When the stream has moved since, the
 * append loses, the payout is read again and the command decided again.
 */
describe('PayoutCommandExecutor with a payout the caller already holds (real SqliteEventStore)', () => {
  const clock = { now: () => NOW };
  const context: CommandContext = { correlationId: 'corr-1', causationId: null, actor: 'system' };
  const inv = invoice('stale');
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let repository: PayoutRepository;
  let executor: PayoutCommandExecutor;

  beforeEach(() => {
    dir = makeTempDir('pll-executor');
    store = new SqliteEventStore({ filename: `${dir.path}/events.sqlite`, clock });
    const ids = new TimeOrderedIdGenerator(clock);
    repository = new PayoutRepository(store, ids);
    const published = { publish: () => undefined } as unknown as EventBus;
    executor = new PayoutCommandExecutor(repository, new Reservations(store, repository, ids, clock), published, clock);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    dir.remove();
  });

  const types = async () => {
    const seen: string[] = [];
    for await (const event of store.readStream(payoutStreamName(ORDER_ID))) seen.push(event.type);
    return seen;
  };

  it('decides on the payout it is given and appends at that revision, reading nothing', async () => {
    const { loaded } = await executor.execute(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    const reads = jest.spyOn(repository, 'load');
    const claimed = await executor.execute(ORDER_ID, cmd.claim(inv), context, { from: loaded });
    expect(reads).not.toHaveBeenCalled();
    expect(claimed.loaded.revision).toBe((loaded.revision as number) + 1);
    expect(claimed.loaded).toEqual(await repository.load(ORDER_ID));
  });

  it('re-reads and decides again when the stream moved: a claim made on a stale view of a cancelled payout is refused', async () => {
    const { loaded: stale } = await executor.execute(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    await executor.execute(ORDER_ID, cmd.cancel(), context);
    const conflicts = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const reads = jest.spyOn(repository, 'load');
    const refused = executor.execute(ORDER_ID, cmd.claim(inv), context, { from: stale });
    await expect(refused).rejects.toBeInstanceOf(ApplicationError);
    await expect(refused).rejects.toMatchObject({ code: 'cancelled' });
    expect(conflicts).toHaveBeenCalledWith(expect.stringMatching(/Concurrency conflict on ord_123 \(ClaimPayment\)/));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PayoutCancelled']);
  });

  it('re-reads and decides again when the stream moved: a second claim on a stale view loses to the first', async () => {
    const { loaded: stale } = await executor.execute(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    await executor.execute(ORDER_ID, cmd.claim(inv), context, { from: stale });
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    await expect(executor.execute(ORDER_ID, cmd.claim(inv), context, { from: stale })).rejects.toMatchObject({ code: 'payment_in_flight' });
    expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PaymentAttempted']);
  });

  it(
    'an append whose outcome the store cannot tell (it did land) is read again and decided again: ' + 'the claim is never made twice',
    async () => {
      const { loaded } = await executor.execute(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
      // The store writes the claim, then loses the acknowledgement (a deadline, a leader change).
      const append = store.append.bind(store);
      jest.spyOn(store, 'append').mockImplementationOnce(async (stream, events, expected) => {
        await append(stream, events, expected);
        throw new AppendOutcomeUnknownError(stream, 'deadline exceeded');
      });
      jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
      // Decided again on the stream as it is: the claim is there, so a second one is refused — the caller pays
      // nothing, and the unanswered claim is resolved later by a status check (docs: crash-safe, rule 6).
      await expect(executor.execute(ORDER_ID, cmd.claim(inv), context, { from: loaded })).rejects.toMatchObject({
        code: 'payment_in_flight',
      });
      expect((await repository.load(ORDER_ID)).state).toMatchObject({ hashes: { [inv.paymentHash]: { outcome: 'in_flight' } } });
      expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PaymentAttempted']);
    },
  );
});
